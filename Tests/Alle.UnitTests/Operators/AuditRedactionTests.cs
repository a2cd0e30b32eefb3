using System.Text.Json.Nodes;
using Alle.Platform.Audit;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Alle.UnitTests.Operators;

public sealed class AuditRedactionTests
{
    [Fact]
    public void Ids_that_name_a_person_are_redacted_wherever_they_appear_and_everything_else_is_kept()
    {
        var summary = JsonNode.Parse(AuditRedaction.ForSummary("""
            {"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID", "subjectIds": ["forgotten-1", "forgotten-2"],
             "batch": [{"userId": "u-1", "event": "Provider Searched", "properties": {"member_id": "m-9", "zip": "10001"}}]}
            """))!;

        Assert.Equal(["•••", "•••"], summary["subjectIds"]!.AsArray().Select(id => id!.GetValue<string>()));
        Assert.Equal("•••", summary["batch"]![0]!["userId"]!.GetValue<string>());
        Assert.Equal("•••", summary["batch"]![0]!["properties"]!["member_id"]!.GetValue<string>());
        Assert.Equal(("SUPPRESS_WITH_DELETE", "USER_ID", "Provider Searched", "10001"), (summary["regulationType"]!.GetValue<string>(),
            summary["subjectType"]!.GetValue<string>(), summary["batch"]![0]!["event"]!.GetValue<string>(),
            summary["batch"]![0]!["properties"]!["zip"]!.GetValue<string>()));
    }

    [Fact]
    public void Credentials_are_redacted_by_name_and_the_platforms_own_keys_and_tokens_wherever_they_appear()
    {
        var summary = JsonNode.Parse(AuditRedaction.ForSummary("""
            {"request": [{"email": "ops@example.com", "role": "marketer", "password": "correct horse battery"}],
             "result": {"source": {"id": "web", "name": "Web"}, "writeKey": "Zx81kq", "secret": "whsec",
                        "key": "alle_0123abcd", "member": {"token": "mt1.payload.sig", "tier": "gold"}, "note": "ot1.body.sig",
                        "audience": {"key": "north-star"}}}
            """))!;

        Assert.Equal("•••", summary["request"]![0]!["password"]!.GetValue<string>());
        Assert.Equal(("•••", "•••", "•••", "•••", "•••"), (summary["result"]!["writeKey"]!.GetValue<string>(),
            summary["result"]!["secret"]!.GetValue<string>(), summary["result"]!["key"]!.GetValue<string>(),
            summary["result"]!["member"]!["token"]!.GetValue<string>(), summary["result"]!["note"]!.GetValue<string>()));
        Assert.Equal(("marketer", "web", "gold", "north-star"), (summary["request"]![0]!["role"]!.GetValue<string>(),
            summary["result"]!["source"]!["id"]!.GetValue<string>(), summary["result"]!["member"]!["tier"]!.GetValue<string>(),
            summary["result"]!["audience"]!["key"]!.GetValue<string>()));
    }

    [Fact]
    public void Text_that_is_not_json_is_left_to_the_masking_of_phones_and_e_mails()
    {
        Assert.Equal("not json {", AuditRedaction.ForSummary("not json {"));
    }

    [Theory]
    [InlineData("/api/loyalty/members/{memberId}", "/api/loyalty/members/m-4711", "/api/loyalty/members/•••")]
    [InlineData("/api/loyalty/members/{memberId}/adjustments", "/api/loyalty/members/m-4711/adjustments", "/api/loyalty/members/•••/adjustments")]
    [InlineData("/api/messaging/consent/{phone}", "/api/messaging/consent/%2B15555550142", "/api/messaging/consent/•••")]
    [InlineData("/api/profiles/{profileId:guid}/merges", "/api/profiles/0190f5a4-0000-7000-8000-000000000001/merges", "/api/profiles/•••/merges")]
    [InlineData("/api/profiles/v1/spaces/{space}/collections/users/profiles/{identifier}/traits",
        "/api/profiles/v1/spaces/default/collections/users/profiles/user_id:ana/traits", "/api/profiles/v1/spaces/default/collections/users/profiles/•••/traits")]
    [InlineData("/api/audiences/{audience}", "/api/audiences/vip", "/api/audiences/vip")]
    [InlineData("/api/loyalty/offers/{offerId:guid}/deactivate", "/api/loyalty/offers/0190f5a4-0000-7000-8000-000000000002/deactivate",
        "/api/loyalty/offers/0190f5a4-0000-7000-8000-000000000002/deactivate")]
    public void Resource_path_segments_that_name_a_person_are_redacted_and_others_kept(string route, string path, string expected)
    {
        Assert.Equal(expected, AuditRedaction.ResourceWithoutPersonIds(path, RoutePatternFactory.Parse(route)));
    }

    [Fact]
    public void A_path_that_does_not_lie_over_its_route_is_written_as_the_route()
    {
        Assert.Equal("/api/loyalty/members/{memberId}",
            AuditRedaction.ResourceWithoutPersonIds("/api/loyalty/members/m-1/extra", RoutePatternFactory.Parse("/api/loyalty/members/{memberId}")));
        Assert.Equal("/api/loyalty/members/m-1", AuditRedaction.ResourceWithoutPersonIds("/api/loyalty/members/m-1", null));
    }

    [Theory]
    [InlineData("memberId", true)]
    [InlineData("userId", true)]
    [InlineData("phone", true)]
    [InlineData("profileId", true)]
    [InlineData("audience", false)]
    [InlineData("offerId", false)]
    public void Route_parameters_that_name_a_person_are_known_by_name(string parameter, bool namesAPerson)
    {
        Assert.Equal(namesAPerson, AuditRedaction.NamesAPerson(parameter));
    }
}
