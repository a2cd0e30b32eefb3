using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Alle.Destinations.Network;

namespace Alle.Destinations.Delivery;

/// <summary>What a request to a destination came to: an answer (status, <c>Retry-After</c>, the start of the body), or none.</summary>
internal sealed record SendResult(int? StatusCode, RetryConditionHeaderValue? RetryAfter, string? Body, string? Error, int LatencyMs, bool Refused = false);

/// <summary>A request to make: the body is sent byte for byte as signed.</summary>
internal sealed record OutgoingRequest(string Method, Uri Url, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body);

/// <summary>
/// Sends requests to destinations (a typed client from the factory: telemetry and pooling, but no resilience handler —
/// retries are the queue's, with their own schedule — and no redirects). Every connection is checked against the
/// <see cref="DestinationUrlPolicy"/> once the name is resolved (see <see cref="CreateHandler"/>), so a name that resolves
/// to a refused address is never connected to.
/// </summary>
internal sealed class DestinationHttpClient(HttpClient http)
{
    public const string UserAgent = "Segment.io/1.0";

    public async Task<SendResult> SendAsync(OutgoingRequest outgoing, string secret, TimeSpan timeout, int bodyLimit, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(outgoing.Method), outgoing.Url);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        var body = outgoing.Body ?? [];
        if (outgoing.Body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sha1(secret, body));
        request.Headers.TryAddWithoutValidation(WebhookSignature.Sha256Header, WebhookSignature.Sha256(secret, body));
        foreach (var (name, value) in outgoing.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var text = await ReadStartAsync(response, bodyLimit, deadline.Token);
            return new SendResult((int)response.StatusCode, response.Headers.RetryAfter, text, null, Elapsed(clock));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(null, null, null, $"timed out after {timeout.TotalMilliseconds:0} ms", Elapsed(clock));
        }
        catch (HttpRequestException exception) when (exception.InnerException is RefusedAddressException refused)
        {
            return new SendResult(null, null, null, refused.Message, Elapsed(clock), Refused: true);
        }
        catch (HttpRequestException exception)
        {
            return new SendResult(null, null, null, exception.HttpRequestError == HttpRequestError.Unknown ? exception.Message : $"{exception.HttpRequestError}: {exception.Message}",
                Elapsed(clock));
        }
    }

    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[Math.Max(limit, 1) * 4];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0)
        {
            read += n;
        }
        if (read == 0)
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length > limit ? text[..limit] + "…" : text;
    }

    private static int Elapsed(Stopwatch clock) => (int)Math.Min(int.MaxValue, clock.ElapsedMilliseconds);

    /// <summary>
    /// The client's connection handler: no redirects, pooled connections recycled every two minutes (names may move), and
    /// a connect step that resolves the host itself and connects only to addresses the policy allows.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(DestinationUrlPolicy policy) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = addresses.Where(policy.IsAllowed).ToList();
            if (allowed.Count == 0)
            {
                throw new RefusedAddressException($"{host} resolves to no address destinations may reach.");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync([.. allowed], context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

/// <summary>The destination's host resolves only to addresses the <see cref="DestinationUrlPolicy"/> refuses: a final failure.</summary>
internal sealed class RefusedAddressException(string message) : Exception(message);
