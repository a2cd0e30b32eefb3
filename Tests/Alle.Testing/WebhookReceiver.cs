using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alle.Testing;

/// <summary>A request as the receiver got it: the raw body bytes (what the signature covers), headers and when.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    /// <summary>The Segment events in the body: the event itself, or each element of a batch.</summary>
    public IEnumerable<JsonElement> Events => Json.ValueKind == JsonValueKind.Array ? Json.EnumerateArray() : [Json];

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the receiver answers one request with.</summary>
public sealed record ReceiverAnswer(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default)
{
    public static readonly ReceiverAnswer Ok = new(200, """{"ok":true}""");
}

/// <summary>
/// A real HTTP receiver for destinations, started by a test or a benchmark: Kestrel on 127.0.0.1 with a random port,
/// recording every request (or, for a benchmark, only counting them) and answering as told (by default 200), so
/// retries, Retry-After and failures are real HTTP.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _keepRequests;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private Func<ReceivedRequest, int, ReceiverAnswer> _answer = (_, _) => ReceiverAnswer.Ok;
    private int _count;
    private long _requests;
    private long _events;

    private WebhookReceiver(WebApplication app, bool keepRequests) => (_app, _keepRequests) = (app, keepRequests);

    public string Url { get; private set; } = "";

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Requests received since the start (or the last <see cref="Reset"/>).</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>Events received: one per request, or each element of a batch.</summary>
    public long EventCount => Interlocked.Read(ref _events);

    public void Reset()
    {
        _received.Clear();
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _events, 0);
    }

    /// <summary>Answers each request from now on with <paramref name="answer"/> (given the request and how many came before it).</summary>
    public void AnswerWith(Func<ReceivedRequest, int, ReceiverAnswer> answer) => _answer = answer;

    public static async Task<WebhookReceiver> StartAsync(bool keepRequests = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, keepRequests);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = new ReceivedRequest(context.Request.Method, context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(),
            StringComparer.OrdinalIgnoreCase), body.ToArray(), DateTimeOffset.UtcNow);
        var answer = _answer(request, Interlocked.Increment(ref _count) - 1);
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _events, request.Body is [(byte)'[', ..] ? request.Json.GetArrayLength() : 1);
        if (_keepRequests)
        {
            _received.Enqueue(request);
        }
        if (answer.Delay > TimeSpan.Zero)
        {
            await Task.Delay(answer.Delay);
        }
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        if (answer.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.Body));
        }
    }

    /// <summary>The requests carrying an event with this message id, in the order they came.</summary>
    public List<ReceivedRequest> For(string messageId) =>
        [.. Received.Where(r => r.Events.Any(e => e.TryGetProperty("messageId", out var id) && id.GetString() == messageId))];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
