using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Alle.Contracts;
using MassTransit;

namespace Alle.IntegrationTests.Platform;

/// <summary>
/// What an outbox delivers to, counting every attempt per row: the bus (rows are <see cref="CouponIssued"/>, told apart by
/// coupon code) and ingestion's Tracking API (told apart by message id). Each can be put down, when it fails every attempt.
/// </summary>
internal sealed class OutboxDestinations
{
    public bool BusDown { get; set; }

    public bool TrackingDown { get; set; }

    /// <summary>Every delivery attempt, by row (coupon code or tracking message id), succeeded or not.</summary>
    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    /// <summary>Rows delivered, in the order they were.</summary>
    public ConcurrentQueue<string> Delivered { get; } = new();

    public IBus Bus() => FailingBus.Create(this);

    public HttpMessageHandler TrackingApi() => new TrackingApiHandler(this);

    private void Attempted(string row) => Attempts.AddOrUpdate(row, 1, (_, n) => n + 1);

    /// <summary>The bus as the relay sees it: only publishing is answered.</summary>
    public class FailingBus : DispatchProxy
    {
        private OutboxDestinations _destinations = null!;

        public static IBus Create(OutboxDestinations destinations)
        {
            var bus = DispatchProxy.Create<IBus, FailingBus>();
            ((FailingBus)(object)bus)._destinations = destinations;
            return bus;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IPublishEndpoint.Publish) || args?[0] is not CouponIssued coupon)
            {
                throw new NotSupportedException($"The relay only publishes; it called {targetMethod?.Name}.");
            }
            _destinations.Attempted(coupon.CouponCode);
            if (_destinations.BusDown)
            {
                return Task.FromException(new InvalidOperationException("The broker is unreachable."));
            }
            _destinations.Delivered.Enqueue(coupon.CouponCode);
            return Task.CompletedTask;
        }
    }

    private sealed class TrackingApiHandler(OutboxDestinations destinations) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            var calls = body.RootElement.GetProperty("batch").EnumerateArray().Select(call => call.GetProperty("messageId").GetString()!).ToList();
            calls.ForEach(destinations.Attempted);
            if (destinations.TrackingDown)
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }
            calls.ForEach(destinations.Delivered.Enqueue);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
