using System.Net;
using Alle.Messaging.Integrations;
using Polly.Timeout;

namespace Alle.UnitTests.Messaging;

public sealed class ServiceCallTests
{
    [Fact]
    public async Task Profiles_past_the_resilience_deadline_is_reported_as_not_answering()
    {
        using var http = Answering(_ => throw new TimeoutRejectedException("The operation didn't complete within the allowed timeout of '00:00:30'."));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => new ProfilesClient(http).FindByUserIdAsync("mbr_1", CancellationToken.None));

        Assert.IsType<TimeoutRejectedException>(failure.InnerException);
    }

    [Fact]
    public async Task Loyalty_past_the_deadline_is_a_retry_later_not_a_refusal()
    {
        using var http = Answering(_ => throw new TimeoutRejectedException());

        await Assert.ThrowsAsync<HttpRequestException>(() => new LoyaltyClient(http).IssueCouponAsync("offer", "mbr_1", CancellationToken.None));
    }

    [Fact]
    public async Task Answers_pass_through_unchanged()
    {
        using var http = Answering(_ => new HttpResponseMessage(HttpStatusCode.NotFound));

        Assert.Null(await new ProfilesClient(http).FindByUserIdAsync("mbr_1", CancellationToken.None));
    }

    private static HttpClient Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new Handler(answer)) { BaseAddress = new Uri("http://service/") };

    private sealed class Handler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
