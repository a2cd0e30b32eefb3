using System.Diagnostics;
using System.Net;
using System.Text;
using System.Web;
using Alle.Messaging.Extensions;
using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Messaging;

/// <summary>
/// Sending through Twilio's SDK as the service registers it, against scripted HTTP answers (no network): the request the
/// SDK makes, where our handlers send it, and how the SDK's answers and exceptions map to <see cref="TwilioSendResult"/>.
/// </summary>
public sealed class TwilioSenderTests
{
    private const string AccountSid = "AC00000000000000000000000000000001";
    private const string AuthToken = "secret-token";
    private const string To = "+15555550100";
    private static readonly Uri s_callback = new("http://gw/webhooks/twilio/status?m=abc");

    private sealed class ScriptedTwilio(params Func<CancellationToken, Task<HttpResponseMessage>>[] answers) : HttpMessageHandler
    {
        /// <summary>Each request with the URI it had when it arrived (service discovery puts the original back after).</summary>
        public List<(HttpRequestMessage Request, Uri Uri, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request, request.RequestUri!, request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken)));
            return await answers[Math.Min(Requests.Count - 1, answers.Length - 1)](cancellationToken);
        }
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                lock (logs.Lines)
                {
                    logs.Lines.Add($"{category} scope: {state}");
                }
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (logs.Lines)
                {
                    logs.Lines.Add($"{category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }

    private sealed class TwilioUnderTest(ServiceProvider provider, ScriptedTwilio twilio) : IAsyncDisposable
    {
        public TwilioSender Sender { get; } = provider.GetRequiredService<TwilioSender>();

        public ScriptedTwilio Twilio => twilio;

        public Task<TwilioSendResult> SendAsync(string body = "Hi & welcome", CancellationToken cancellationToken = default) =>
            Sender.SendAsync(To, body, s_callback, cancellationToken);

        public ValueTask DisposeAsync() => provider.DisposeAsync();
    }

    private static IConfiguration Settings(Dictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["BaseUrl"] = "http://twilio.test:5099",
            ["AccountSid"] = AccountSid,
            ["AuthToken"] = AuthToken,
            ["From"] = "+15005550006",
            ["MaxRetries"] = "3",
            ["RetryBaseDelay"] = "00:00:00",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            values[key] = value;
        }
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static TwilioUnderTest Create(params Func<CancellationToken, Task<HttpResponseMessage>>[] answers) => Create(null, null, null, answers);

    /// <summary>The client as the service registers it, <paramref name="services"/> applied first as the service defaults are.</summary>
    private static TwilioUnderTest Create(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
        Action<IHttpClientBuilder>? client = null, params Func<CancellationToken, Task<HttpResponseMessage>>[] answers)
    {
        var twilio = new ScriptedTwilio(answers);
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var builder = collection.AddTwilioClient(Settings(settings)).ConfigurePrimaryHttpMessageHandler(() => twilio);
        client?.Invoke(builder);
        return new TwilioUnderTest(collection.BuildServiceProvider(), twilio);
    }

    private static Func<CancellationToken, Task<HttpResponseMessage>> Answer(HttpStatusCode status, string? json = null, string mediaType = "application/json") =>
        _ => Task.FromResult(json is null ? new HttpResponseMessage(status) : new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) });

    private static Func<CancellationToken, Task<HttpResponseMessage>> Created(string status = "queued") => Answer(HttpStatusCode.Created,
        $$"""{"sid":"SM0123456789abcdef0123456789abcdef","status":"{{status}}","num_segments":"1","to":"+15555550100","date_created":"Thu, 01 Jan 2026 00:00:00 +0000"}""");

    private static Func<CancellationToken, Task<HttpResponseMessage>> TwilioError(HttpStatusCode status, int code, string message = "Refused") => Answer(status,
        $$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{(int)status}}}""");

    private static Func<CancellationToken, Task<HttpResponseMessage>> Throws(Exception exception) => _ => Task.FromException<HttpResponseMessage>(exception);

    private static async Task<HttpResponseMessage> Hangs(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new UnreachableException();
    }

    [Fact]
    public async Task A_send_is_the_sdks_form_post_with_basic_auth_sent_to_the_configured_base_url()
    {
        await using var twilio = Create(Created());

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Accepted("SM0123456789abcdef0123456789abcdef", "queued"), result);
        var (request, uri, body) = Assert.Single(twilio.Twilio.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"http://twilio.test:5099/2010-04-01/Accounts/{AccountSid}/Messages.json", uri.ToString());
        Assert.Equal("Basic", request.Headers.Authorization!.Scheme);
        Assert.Equal($"{AccountSid}:{AuthToken}", Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization.Parameter!)));
        Assert.StartsWith("twilio-csharp/8.2.0 ", request.Headers.UserAgent.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        var form = HttpUtility.ParseQueryString(body);
        Assert.Equal(["Body", "From", "StatusCallback", "To"], form.AllKeys.Order());
        Assert.Equal((To, "Hi & welcome", s_callback.ToString(), "+15005550006"), (form["To"], form["Body"], form["StatusCallback"], form["From"]));
    }

    [Fact]
    public async Task A_messaging_service_sends_instead_of_a_number_when_configured()
    {
        await using var twilio = Create(settings: new() { ["MessagingServiceSid"] = "MG00000000000000000000000000000001" }, answers: Created("accepted"));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Accepted("SM0123456789abcdef0123456789abcdef", "accepted"), result);
        var form = HttpUtility.ParseQueryString(Assert.Single(twilio.Twilio.Requests).Body);
        Assert.Equal("MG00000000000000000000000000000001", form["MessagingServiceSid"]);
        Assert.Null(form["From"]);
    }

    [Fact]
    public async Task With_twilios_own_base_url_requests_go_where_the_sdk_sends_them()
    {
        await using var twilio = Create(settings: new() { ["BaseUrl"] = "https://api.twilio.com" }, answers: Created());

        await twilio.SendAsync();

        Assert.Equal($"https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json", Assert.Single(twilio.Twilio.Requests).Uri.ToString());
    }

    [Fact]
    public async Task A_base_url_naming_a_service_is_resolved_by_service_discovery()
    {
        await using var twilio = Create(settings: new() { ["BaseUrl"] = "http://twilio-sandbox" },
            services: services => services
                .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["services:twilio-sandbox:http:0"] = "http://127.0.0.1:5099",
                }).Build())
                .AddServiceDiscovery()
                .ConfigureHttpClientDefaults(http => http.AddServiceDiscovery()),
            answers: Created());

        await twilio.SendAsync();

        Assert.Equal($"http://127.0.0.1:5099/2010-04-01/Accounts/{AccountSid}/Messages.json", Assert.Single(twilio.Twilio.Requests).Uri.ToString());
    }

    [Theory]
    [InlineData("http://twilio.test/api")]
    [InlineData("twilio.test")]
    [InlineData("ftp://twilio.test")]
    public void A_base_url_with_a_path_or_of_another_scheme_is_refused_at_start(string baseUrl)
    {
        var services = new ServiceCollection();
        services.AddTwilioClient(Settings(new() { ["BaseUrl"] = baseUrl }));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TwilioOptions>>().Value);
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
        await using var twilio = Create(TwilioError(HttpStatusCode.BadRequest, code));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Rejected(code, "Refused", outcome), result);
        Assert.Single(twilio.Twilio.Requests);
    }

    [Fact]
    public async Task A_refusal_without_twilios_error_object_is_rejected_with_the_status_reason()
    {
        await using var twilio = Create(Answer(HttpStatusCode.BadRequest, "<html>Bad request</html>", "text/html"));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Rejected(0, "Bad Request", TwilioOutcome.Rejected), result);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, 20003)]
    [InlineData(HttpStatusCode.NotFound, 20404)]
    public async Task Authentication_and_not_found_errors_are_refusals_not_outages(HttpStatusCode status, int code)
    {
        await using var twilio = Create(TwilioError(status, code, "Authenticate"));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Rejected(code, "Authenticate", TwilioOutcome.Rejected), result);
        Assert.Single(twilio.Twilio.Requests);
    }

    [Fact]
    public async Task Busy_answers_are_retried_until_twilio_accepts()
    {
        await using var twilio = Create(
            TwilioError(HttpStatusCode.TooManyRequests, 20429, "Too Many Requests"),
            Answer(HttpStatusCode.ServiceUnavailable),
            Created());

        var result = await twilio.SendAsync();

        Assert.IsType<TwilioSendResult.Accepted>(result);
        Assert.Equal(3, twilio.Twilio.Requests.Count);
        Assert.All(twilio.Twilio.Requests, r => Assert.Equal(To, HttpUtility.ParseQueryString(r.Body)["To"]));
    }

    [Theory]
    [InlineData(429, """{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}""")]
    [InlineData(503, """{"code":20503,"message":"Service unavailable","more_info":"https://www.twilio.com/docs/errors/20503","status":503}""")]
    [InlineData(503, null)]
    [InlineData(502, "<html><body>Bad gateway</body></html>")]
    [InlineData(500, "")]
    public async Task Busy_answers_that_outlast_the_retries_report_twilio_unavailable_with_their_status(int status, string? body)
    {
        await using var twilio = Create(Answer((HttpStatusCode)status, body));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Unavailable(status), result);
        Assert.Equal(1 + 3, twilio.Twilio.Requests.Count);
    }

    [Fact]
    public async Task A_connection_refused_before_sending_is_unavailable_and_not_retried()
    {
        await using var twilio = Create(Throws(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (twilio.test:5099)")));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Unavailable(0), result);
        Assert.Single(twilio.Twilio.Requests);
    }

    [Theory]
    [InlineData(HttpRequestError.ResponseEnded)]
    [InlineData(HttpRequestError.Unknown)]
    [InlineData(HttpRequestError.InvalidResponse)]
    public async Task A_connection_lost_once_the_request_may_have_reached_twilio_is_unknown_and_not_retried(HttpRequestError error)
    {
        await using var twilio = Create(Throws(new HttpRequestException(error, "The response ended prematurely.")));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Unknown(error.ToString()), result);
        Assert.Single(twilio.Twilio.Requests);
    }

    [Fact]
    public async Task A_time_out_is_unknown_and_not_retried()
    {
        await using var twilio = Create(client: client => client.ConfigureHttpClient(http => http.Timeout = TimeSpan.FromMilliseconds(200)), answers: Hangs);

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Unknown("timeout"), result);
        Assert.Single(twilio.Twilio.Requests);
    }

    [Theory]
    [InlineData("<html>Created</html>")]
    [InlineData("""{"status":"queued"}""")]
    public async Task A_created_message_the_sdk_cannot_read_is_unknown_never_refused(string body)
    {
        await using var twilio = Create(Answer(HttpStatusCode.Created, body));

        var result = await twilio.SendAsync();

        Assert.IsType<TwilioSendResult.Unknown>(result);
    }

    [Fact]
    public async Task Shutting_down_stops_waiting_for_twilio()
    {
        await using var twilio = Create(Hangs);
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => twilio.SendAsync(cancellationToken: stopping.Token));
    }

    [Fact]
    public async Task Nothing_the_sdk_or_the_client_logs_carries_the_phone_number_the_text_or_the_token()
    {
        var logs = new CapturedLogs();
        const string text = "Your code is 482913";
        foreach (var answer in new[]
        {
            Created(),
            TwilioError(HttpStatusCode.BadRequest, 21211, $"The 'To' number {To} is not a valid phone number."),
            Answer(HttpStatusCode.ServiceUnavailable),
            Throws(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused")),
        })
        {
            await using var twilio = Create(services: services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)), answers: answer);
            await twilio.SendAsync(text);
        }

        Assert.NotEmpty(logs.Lines);
        Assert.All(logs.Lines, line =>
        {
            Assert.DoesNotContain(To, line, StringComparison.Ordinal);
            Assert.DoesNotContain(To[1..], line, StringComparison.Ordinal);
            Assert.DoesNotContain("482913", line, StringComparison.Ordinal);
            Assert.DoesNotContain(AuthToken, line, StringComparison.Ordinal);
        });
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
        var twilio = new ScriptedTwilio(_ =>
        {
            var busy = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return Task.FromResult(busy);
        }, Created());
        var options = Options.Create(new TwilioOptions { MaxRetries = 3, RetryBaseDelay = TimeSpan.Zero });
        using var http = new HttpClient(new TwilioRetryHandler(options, clock) { InnerHandler = twilio });

        var sending = http.PostAsync("http://twilio.test/x", new StringContent("a"));
        await Task.Yield();
        Assert.Single(twilio.Requests);
        Assert.False(sending.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(20));
        using var response = await sending;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, twilio.Requests.Count);
    }

    [Fact]
    public async Task Only_our_handler_retries_a_twilio_post_not_the_standard_resilience_handler_too()
    {
        await using var twilio = Create(settings: new() { ["MaxRetries"] = "2" },
            services: services => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler()),
            answers: Answer(HttpStatusCode.ServiceUnavailable));

        var result = await twilio.SendAsync();

        Assert.Equal(new TwilioSendResult.Unavailable(503), result);
        Assert.Equal(3, twilio.Twilio.Requests.Count);
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
