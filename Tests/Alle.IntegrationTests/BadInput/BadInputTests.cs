using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alle.IntegrationTests.Messaging;
using Xunit.Abstractions;

namespace Alle.IntegrationTests.BadInput;

/// <summary>
/// The bad-input corpus (<see cref="BadRequests"/>) against every endpoint of <see cref="EndpointCorpus"/>, through the
/// gateway (and to the service itself where the gateway would refuse first): never a 5xx, never a 2xx for input that is
/// invalid, a problem document with a title (and a detail or field errors for 400) from the APIs, and nothing changed.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class BadInputTests(DistributedAppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_endpoint_refuses_the_corpus_with_a_problem_and_changes_nothing()
    {
        var world = await BadInputWorld.CreateAsync(app);
        var requests = EndpointCorpus.All.SelectMany(endpoint => BadRequests.For(endpoint, world)).ToList();
        var before = await StateProbes.ReadAsync(world);

        var clock = Stopwatch.StartNew();
        using var gateway = Client(app.Endpoint("gateway"));
        var direct = new[] { "ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web" }.ToDictionary(s => s, s => Client(app.Endpoint(s)));
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, cancellationToken) =>
        {
            if (await FailureAsync(request.Direct ? direct[request.Endpoint.Service] : gateway, request, world, cancellationToken) is { } failure)
            {
                failures.Add($"{request}: {failure}");
            }
        });
        var elapsed = clock.Elapsed;
        foreach (var client in direct.Values)
        {
            client.Dispose();
        }

        var after = await StateProbes.ReadAsync(world);
        var changed = before.Where(probe => after[probe.Key] != probe.Value).Select(probe => $"{probe.Key}: {probe.Value} → {after[probe.Key]}").ToList();
        foreach (var failure in failures.Order(StringComparer.Ordinal))
        {
            output.WriteLine(failure);
        }
        var serverLogs = await ServerLogsAsync(failures);
        output.WriteLine($"{requests.Count} bad requests to {EndpointCorpus.All.Count} endpoints in {elapsed.TotalSeconds:0.0} s; {failures.Count} answered wrongly; {changed.Count} changes.");
        Assert.True(failures.IsEmpty && changed.Count == 0,
            $"{failures.Count} of {requests.Count} bad requests were answered wrongly, and {changed.Count} things changed:\n"
            + string.Join("\n", changed.Concat(failures.Order(StringComparer.Ordinal).Take(300)).Concat(serverLogs)));
    }

    /// <summary>
    /// What the services logged under the traces of answers that were server errors, from Aspire's dashboard: a 500
    /// says only "an error occurred", its log says which.
    /// </summary>
    private async Task<IEnumerable<string>> ServerLogsAsync(IEnumerable<string> failures)
    {
        using var dashboard = app.CreateDashboardClient();
        var logs = new List<string>();
        foreach (var traceId in failures.Select(f => TraceId().Match(f)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().Take(5))
        {
            string body;
            try
            {
                // The services export their logs in batches: the error's log may reach the dashboard a few seconds later.
                body = await Eventually.GetAsync(async () => await dashboard.GetStringAsync("/api/telemetry/logs?limit=10000") is var read
                    && read.IndexOf(traceId, StringComparison.Ordinal) is >= 0 and var at ? read[Math.Max(0, at - 3000)..Math.Min(read.Length, at + 1000)] : null,
                    TimeSpan.FromSeconds(15), $"the logs of trace {traceId}");
            }
            catch (Exception exception) when (exception is TimeoutException or HttpRequestException)
            {
                body = exception.Message;
            }
            logs.Add($"logs of trace {traceId}: {(body.Length > 4000 ? body[..4000] : body)}");
        }
        return logs;
    }

    [GeneratedRegex("\"traceId\":\"00-([0-9a-f]{32})-")]
    private static partial Regex TraceId();

    private static HttpClient Client(Uri address) => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 16 })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static async Task<string?> FailureAsync(HttpClient client, BadRequest bad, BadInputWorld world, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(bad.Method == "PAGE" ? "GET" : bad.Method), new Uri(client.BaseAddress!, bad.Path));
        request.Headers.Authorization = bad.Caller switch
        {
            Caller.ForgedMemberToken => new AuthenticationHeaderValue("Bearer", "mt1.Zm9yZ2VkfDk5OTk5OTk5OTk.Zm9yZ2Vk"),
            Caller.UnknownWriteKey => new AuthenticationHeaderValue("Basic", Convert.ToBase64String("no-such-write-key:"u8.ToArray())),
            _ => world.Credentials(bad.Caller),
        };
        if (bad.TwilioFields is { } fields)
        {
            request.Headers.Add("X-Twilio-Signature", MessagingClient.Sign(world.AuthToken, new Uri(client.BaseAddress!, bad.Path).ToString(), fields));
        }
        if (bad.Body is { } body)
        {
            // A server refusing a large body answers before reading it and closes the connection: the client waits for
            // that answer instead of failing to send the rest.
            request.Headers.ExpectContinue = body.Length > 1024 * 1024;
            request.Content = new ByteArrayContent(body);
            if (bad.ContentType is { } contentType)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            return $"no answer ({exception.Message})";
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            // The live stream answers with headers at once and stays open: its first bytes are enough.
            var text = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "(a stream)" : await ReadAsync(response, cancellationToken);
            var answer = $"{status} {response.Content.Headers.ContentType?.MediaType} {(text.Length > 300 ? text[..300] + "…" : text)}";
            if (status >= 500)
            {
                return answer;
            }
            if (status == 400 && text.Length == 0 && bad.Path.Contains("%00", StringComparison.Ordinal) && bad.Name.Contains("NUL", StringComparison.Ordinal))
            {
                // Kestrel refuses a NUL in the path itself, before any middleware could answer with a problem.
                return null;
            }
            return bad.Expect switch
            {
                Expect.PageAnswered => null,
                Expect.PageRefused => status is >= 400 and < 500 || (status is 302 or 303 && response.Headers.Location?.OriginalString.Contains("sign-in", StringComparison.Ordinal) == true)
                    ? null
                    : answer,
                Expect.RefusedOrEmpty or Expect.AcknowledgedOrRefused when status is >= 200 and < 300 => null,
                _ => status is >= 400 and < 500 ? ProblemFailure(status, response, text) is { } problem ? $"{problem}: {answer}" : null : answer,
            };
        }
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024 * 1024];
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>Why a refusal is not a useful problem document, or null when it is one.</summary>
    private static string? ProblemFailure(int status, HttpResponseMessage response, string text)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "not a problem document";
        }
        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            return "a problem document that is not JSON";
        }
        if (problem.TryGetProperty("exception", out _))
        {
            return "the developer exception page, not a problem the service answered";
        }
        if (!problem.TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
        {
            return "a problem without a title";
        }
        var hasDetail = problem.TryGetProperty("detail", out var detail) && !string.IsNullOrWhiteSpace(detail.GetString());
        var hasErrors = problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any();
        // A status's own reason phrase as title says nothing the status did not.
        var generic = title.GetString() is "Bad Request" or "One or more validation errors occurred.";
        return status == 400 && generic && !hasDetail && !hasErrors ? "a 400 problem that says neither what nor where (a generic title, no detail, no errors)" : null;
    }
}
