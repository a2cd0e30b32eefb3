using System.Net;
using System.Text;
using Alle.Messaging.Extensions;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Messaging;

/// <summary>The Twilio client against scripted HTTP answers (no network): request shape, error mapping and retries.</summary>
public sealed class TwilioClientTests
{
    private static readonly TwilioOptions s_options = new()
    {
        BaseUrl = "http://twilio.test",
        AccountSid = "AC00000000000000000000000000000001",
        AuthToken = "secret-token",
        From = "+15005550006",
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.Zero,
        MessagesPerSecond = 1000,
    };

    private sealed class ScriptedTwilio(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request, request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken)));
            return answers[Math.Min(Requests.Count - 1, answers.Length - 1)]();
        }
    }

    private static (TwilioClient Client, ScriptedTwilio Twilio) Create(params Func<HttpResponseMessage>[] answers)
    {
        var twilio = new ScriptedTwilio(answers);
        var options = Options.Create(s_options);
        var retry = new TwilioRetryHandler(options, TimeProvider.System) { InnerHandler = twilio };
        var http = new HttpClient(retry);
        TwilioClient.Configure(http, s_options);
        return (new TwilioClient(http, options), twilio);
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Created() =>
        Json(HttpStatusCode.Created, """{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","num_segments":"1"}""");

    private static HttpResponseMessage TwilioError(HttpStatusCode status, int code) =>
        Json(status, $$"""{"code":{{code}},"message":"Refused","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{(int)status}}}""");

    [Fact]
    public async Task A_send_posts_twilios_form_with_basic_auth_and_reads_the_sid()
    {
        var (client, twilio) = Create(Created);

        var result = await client.SendAsync("+15555550100", "Hi & welcome", new Uri("http://gw/webhooks/twilio/status?m=abc"), CancellationToken.None);

        Assert.Equal(new TwilioSendResult.Accepted("SM0123456789abcdef0123456789abcdef", "queued"), result);
        var (request, body) = Assert.Single(twilio.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://twilio.test/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json", request.RequestUri!.ToString());
        Assert.Equal("Basic", request.Headers.Authorization!.Scheme);
        Assert.Equal("AC00000000000000000000000000000001:secret-token", Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization.Parameter!)));
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("To=%2B15555550100&Body=Hi+%26+welcome&StatusCallback=http%3A%2F%2Fgw%2Fwebhooks%2Ftwilio%2Fstatus%3Fm%3Dabc&From=%2B15005550006", body);
    }

    [Theory]
    [InlineData(21211, TwilioOutcome.InvalidNumber)]
    [InlineData(21610, TwilioOutcome.Unsubscribed)]
    [InlineData(21614, TwilioOutcome.NotMobile)]
    [InlineData(21612, TwilioOutcome.Unroutable)]
    [InlineData(21408, TwilioOutcome.NoPermission)]
    [InlineData(21212, TwilioOutcome.SenderProblem)]
    [InlineData(21606, TwilioOutcome.SenderProblem)]
    [InlineData(21611, TwilioOutcome.SenderProblem)]
    public async Task Twilio_error_objects_map_to_outcomes_without_retrying(int code, TwilioOutcome outcome)
    {
        var (client, twilio) = Create(() => TwilioError(HttpStatusCode.BadRequest, code));

        var result = await client.SendAsync("+15555550100", "x", new Uri("http://gw/s"), CancellationToken.None);

        Assert.Equal(new TwilioSendResult.Rejected(code, "Refused", outcome), result);
        Assert.Single(twilio.Requests);
    }

    [Theory]
    [InlineData(30003, TwilioOutcome.DeliveryFailed)]
    [InlineData(30005, TwilioOutcome.DeliveryFailed)]
    [InlineData(30006, TwilioOutcome.NotMobile)]
    [InlineData(30007, TwilioOutcome.DeliveryFailed)]
    [InlineData(30008, TwilioOutcome.DeliveryFailed)]
    [InlineData(20003, TwilioOutcome.Rejected)]
    public void Delivery_error_codes_from_callbacks_map_to_outcomes(int code, TwilioOutcome outcome)
    {
        Assert.Equal(outcome, TwilioErrors.Classify(code));
        Assert.Equal(code == 21610, TwilioErrors.MeansOptedOut(code));
    }

    [Fact]
    public async Task Busy_answers_are_retried_until_twilio_accepts()
    {
        var (client, twilio) = Create(
            () => TwilioError(HttpStatusCode.TooManyRequests, 20429),
            () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            Created);

        var result = await client.SendAsync("+15555550100", "x", new Uri("http://gw/s"), CancellationToken.None);

        Assert.IsType<TwilioSendResult.Accepted>(result);
        Assert.Equal(3, twilio.Requests.Count);
        Assert.All(twilio.Requests, r => Assert.Contains("To=%2B15555550100", r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_number_and_report_twilio_unavailable()
    {
        var (client, twilio) = Create(() => new HttpResponseMessage(HttpStatusCode.BadGateway));

        var result = await client.SendAsync("+15555550100", "x", new Uri("http://gw/s"), CancellationToken.None);

        Assert.Equal(new TwilioSendResult.Unavailable(502), result);
        Assert.Equal(1 + s_options.MaxRetries, twilio.Requests.Count);
    }

    [Fact]
    public void Retry_after_is_honoured_in_seconds_or_as_a_date_and_capped()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var settings = new TwilioOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(500), MaxRetryDelay = TimeSpan.FromSeconds(20) };
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(now.AddSeconds(3));
        using var tooLong = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        tooLong.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromMinutes(10));

        Assert.Equal(TimeSpan.FromSeconds(7), TwilioRetryHandler.RetryDelay(seconds, 0, settings, 0.5, now));
        Assert.Equal(TimeSpan.FromSeconds(3), TwilioRetryHandler.RetryDelay(date, 0, settings, 0.5, now));
        Assert.Equal(TimeSpan.FromSeconds(20), TwilioRetryHandler.RetryDelay(tooLong, 0, settings, 0.5, now));
    }

    [Fact]
    public void Without_retry_after_the_backoff_grows_exponentially_with_full_jitter()
    {
        var settings = new TwilioOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(500), MaxRetryDelay = TimeSpan.FromSeconds(20) };
        using var busy = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        var now = DateTimeOffset.UnixEpoch;

        Assert.InRange(TwilioRetryHandler.RetryDelay(busy, 0, settings, 0.999999, now), TimeSpan.FromMilliseconds(499), TimeSpan.FromMilliseconds(500));
        Assert.InRange(TwilioRetryHandler.RetryDelay(busy, 2, settings, 0.999999, now), TimeSpan.FromMilliseconds(1999), TimeSpan.FromMilliseconds(2000));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), TwilioRetryHandler.RetryDelay(busy, 2, settings, 0.5, now));
        Assert.Equal(TimeSpan.FromMilliseconds(50), TwilioRetryHandler.RetryDelay(busy, 2, settings, 0, now));
        Assert.InRange(TwilioRetryHandler.RetryDelay(busy, 10, settings, 0.999999, now), TimeSpan.FromMilliseconds(19_999), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task The_retry_waits_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider();
        var twilio = new ScriptedTwilio(() =>
        {
            var busy = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return busy;
        }, Created);
        using var http = new HttpClient(new TwilioRetryHandler(Options.Create(s_options), clock) { InnerHandler = twilio });

        var sending = http.PostAsync("http://twilio.test/x", new StringContent("a"));
        await Task.Yield();
        Assert.Single(twilio.Requests);
        Assert.False(sending.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(20));
        using var response = await sending;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, twilio.Requests.Count);
    }

    [Theory]
    [InlineData("queued", MessageStatus.Queued)]
    [InlineData("accepted", MessageStatus.Queued)]
    [InlineData("sent", MessageStatus.Sent)]
    [InlineData("delivered", MessageStatus.Delivered)]
    [InlineData("undelivered", MessageStatus.Undelivered)]
    [InlineData("failed", MessageStatus.Failed)]
    [InlineData("receiving", null)]
    public void Twilio_statuses_map_to_ours(string twilio, string? ours)
    {
        Assert.Equal(ours, MessageStatus.FromTwilio(twilio));
    }

    [Fact]
    public void Statuses_only_move_forward_so_late_callbacks_change_nothing()
    {
        Assert.True(MessageStatus.CanMove(MessageStatus.Sending, MessageStatus.Queued));
        Assert.True(MessageStatus.CanMove(MessageStatus.Sending, MessageStatus.Delivered));
        Assert.True(MessageStatus.CanMove(MessageStatus.Queued, MessageStatus.Sent));
        Assert.False(MessageStatus.CanMove(MessageStatus.Delivered, MessageStatus.Sent));
        Assert.False(MessageStatus.CanMove(MessageStatus.Sent, MessageStatus.Queued));
        Assert.False(MessageStatus.CanMove(MessageStatus.Delivered, MessageStatus.Failed));
        Assert.False(MessageStatus.CanMove(MessageStatus.Sending, MessageStatus.Pending));
    }
}

/// <summary>The client as the service registers it, next to the service defaults' standard resilience handler.</summary>
public sealed class TwilioClientRegistrationTests
{
    private sealed class AlwaysBusy : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        }
    }

    [Fact]
    public async Task Only_our_handler_retries_a_twilio_post_not_the_standard_resilience_handler_too()
    {
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BaseUrl"] = "http://twilio.test",
            ["AccountSid"] = "AC1",
            ["AuthToken"] = "token",
            ["From"] = "+15005550006",
            ["MaxRetries"] = "2",
            ["RetryBaseDelay"] = "00:00:00",
        }).Build();
        var busy = new AlwaysBusy();
        services.AddTwilioClient(configuration).ConfigurePrimaryHttpMessageHandler(() => busy);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<TwilioClient>();

        var result = await client.SendAsync("+15555550100", "x", new Uri("http://gw/s"), CancellationToken.None);

        Assert.Equal(new TwilioSendResult.Unavailable(503), result);
        Assert.Equal(3, busy.Calls);
    }
}
