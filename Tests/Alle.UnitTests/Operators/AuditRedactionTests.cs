using System.Text.Json.Nodes;
using Alle.Platform.Audit;

namespace Alle.UnitTests.Operators;

public sealed class AuditRedactionTests
{
    [Fact]
    public void Ids_that_name_a_person_are_redacted_wherever_they_appear_and_everything_else_is_kept()
    {
        var summary = JsonNode.Parse(AuditRedaction.WithoutPersonIds("""
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
    public void Text_that_is_not_json_is_left_to_the_masking_of_phones_and_e_mails()
    {
        Assert.Equal("not json {", AuditRedaction.WithoutPersonIds("not json {"));
    }
}
