using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Alle.UnitTests.Foundation;

public sealed class UrlRedactionTests
{
    private const string Profiles = "/api/profiles/v1/spaces/default/collections/users/profiles";

    [Theory]
    [InlineData(Profiles + "/phone:+15551234567/traits", Profiles + "/phone:{redacted}/traits")]
    [InlineData(Profiles + "/phone:%2B15551234567/traits", Profiles + "/phone:{redacted}/traits")]
    [InlineData(Profiles + "/phone%3A%2B15551234567/events", Profiles + "/phone:{redacted}/events")]
    [InlineData(Profiles + "/email:jane.doe@example.com/traits", Profiles + "/email:{redacted}/traits")]
    [InlineData(Profiles + "/user_id:member-42/external_ids", Profiles + "/user_id:{redacted}/external_ids")]
    [InlineData("/inbox/+15551234567", "/inbox/{redacted}")]
    [InlineData("/inbox/%2B15551234567", "/inbox/{redacted}")]
    [InlineData("/api/messaging/consent/+1 (555) 123-4567", "/api/messaging/consent/{redacted}")]
    [InlineData("/api/messaging/consent/15551234567", "/api/messaging/consent/{redacted}")]
    [InlineData("/api/sandbox/jane%40example.com/reply", "/api/sandbox/{redacted}/reply")]
    [InlineData("/api/loyalty/providers/clinic-7/coupons/ALLE-7K2M-9QXP/redemption", "/api/loyalty/providers/clinic-7/coupons/{redacted}/redemption")]
    public void Identifiers_in_a_path_are_redacted(string path, string expected) =>
        Assert.Equal(expected, UrlRedaction.RedactPath(path));

    [Theory]
    [InlineData("/v1/track")]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("/2010-04-01/Accounts/AC0123456789abcdef/Messages.json")]
    [InlineData("/api/messaging/journeys/3f2c1d7e-8a9b-4c1d-9e8f-0a1b2c3d4e5f/pause")]
    [InlineData("/api/loyalty/offers/3f2c1d7e-8a9b-4c1d-9e8f-0a1b2c3d4e5f/coupons")]
    [InlineData("/api/audiences/searched-providers/members")]
    [InlineData("/api/loyalty/members/123456/check-ins")]
    public void A_path_without_identifiers_is_kept_as_it_is(string path) =>
        Assert.Equal(path, UrlRedaction.RedactPath(path));

    [Theory]
    [InlineData("?phone=%2B15551234567&limit=5", "?phone=Redacted&limit=Redacted")]
    [InlineData("email=jane@example.com", "email=Redacted")]
    [InlineData("?flag", "?flag")]
    [InlineData("?", "?")]
    [InlineData("", "")]
    public void Every_query_value_is_redacted_and_the_names_kept(string query, string expected) =>
        Assert.Equal(expected, UrlRedaction.RedactQuery(query));

    [Theory]
    [InlineData("http://127.0.0.1:5301" + Profiles + "/phone:+15551234567/traits?include=all#top",
        "http://127.0.0.1:5301" + Profiles + "/phone:{redacted}/traits?include=Redacted")]
    [InlineData("http://profiles/inbox/+15551234567", "http://profiles/inbox/{redacted}")]
    [InlineData("http://ingestion/v1/batch", "http://ingestion/v1/batch")]
    [InlineData("http://ingestion", "http://ingestion")]
    [InlineData("/api/profiles/lookup?email=jane@example.com", "/api/profiles/lookup?email=Redacted")]
    public void A_url_keeps_its_scheme_and_host_and_loses_identifiers(string url, string expected) =>
        Assert.Equal(expected, UrlRedaction.RedactUrl(url));

    [Fact]
    public void The_processor_redacts_the_url_tags_of_a_span_and_leaves_the_others()
    {
        using var activity = new Activity("GET");
        activity.SetTag("url.path", Profiles + "/phone:+15551234567/traits");
        activity.SetTag("url.query", "?email=jane@example.com");
        activity.SetTag("url.full", "http://profiles" + Profiles + "/email:jane@example.com/traits");
        activity.SetTag("http.target", "/inbox/+15551234567?x=1");
        activity.SetTag("http.route", "/api/messaging/consent/{phone}");

        new UrlRedactionProcessor().OnEnd(activity);

        Assert.Equal(Profiles + "/phone:{redacted}/traits", activity.GetTagItem("url.path"));
        Assert.Equal("?email=Redacted", activity.GetTagItem("url.query"));
        Assert.Equal("http://profiles" + Profiles + "/email:{redacted}/traits", activity.GetTagItem("url.full"));
        Assert.Equal("/inbox/{redacted}?x=Redacted", activity.GetTagItem("http.target"));
        Assert.Equal("/api/messaging/consent/{phone}", activity.GetTagItem("http.route"));
    }
}
