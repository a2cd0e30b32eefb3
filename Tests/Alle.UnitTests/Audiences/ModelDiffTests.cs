using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.Conditions;
using Alle.Audiences.ReverseEtl;
using Alle.Platform.Identifiers;

namespace Alle.UnitTests.Audiences;

public sealed class ModelDiffTests
{
    private static readonly PhoneNumberNormalizer s_phones = new("US");
    private static readonly ModelMapping s_mapping = new("user_id", IdentifierType.UserId,
        new Dictionary<string, string> { ["score"] = "offer_propensity", ["best_offer"] = "best_offer" });

    [Fact]
    public void Only_added_changed_and_removed_rows_are_synced_and_a_change_carries_only_the_changed_traits()
    {
        var previous = Read("""
            [{"user_id": "u1", "score": 0.5, "best_offer": "spring"},
             {"user_id": "u2", "score": 0.9, "best_offer": "summer"},
             {"user_id": "u3", "score": 0.1, "best_offer": "fall"}]
            """);
        var current = Read("""
            [{"user_id": "u1", "score": 0.5, "best_offer": "spring"},
             {"user_id": "u2", "score": 0.95, "best_offer": "summer"},
             {"user_id": "u4", "score": 0.3, "best_offer": null}]
            """);

        var changes = ModelChanges.Between(previous.Rows, current.Rows);

        var added = Assert.Single(changes.Added);
        Assert.Equal("u4", added.Identifier);
        Assert.Equal("""{"offer_propensity":0.3,"best_offer":null}""", added.Values.ToJsonString());
        var updated = Assert.Single(changes.Updated);
        Assert.Equal("u2", updated.Identifier);
        Assert.Equal("""{"offer_propensity":0.95}""", updated.Changed.ToJsonString());
        var removed = Assert.Single(changes.Removed);
        Assert.Equal("u3", removed.Identifier);
        Assert.Equal("""{"offer_propensity":null,"best_offer":null}""", ModelChanges.Cleared(removed.Previous).ToJsonString());
    }

    [Fact]
    public void The_same_result_twice_changes_nothing()
    {
        var result = Read("""[{"user_id": "u1", "score": 0.5, "best_offer": "spring"}]""");

        Assert.True(ModelChanges.Between(result.Rows, Read("""[{"user_id": "u1", "score": 0.5, "best_offer": "spring"}]""").Rows).IsEmpty);
    }

    [Fact]
    public void Rows_without_an_identifier_or_repeating_one_fail_without_naming_the_values()
    {
        var result = Read("""
            [{"user_id": "u1", "score": 0.5}, {"user_id": null, "score": 0.6}, {"user_id": " ", "score": 0.1}, {"user_id": "u1", "score": 0.7}]
            """);

        Assert.Equal(["u1"], result.Rows.Keys);
        Assert.Equal(0.5, result.Rows["u1"]["offer_propensity"]!.GetValue<double>());
        Assert.Equal(3, result.Failed);
        Assert.DoesNotContain(result.Problems, problem => problem.Contains("0.6", StringComparison.Ordinal));
    }

    [Fact]
    public void E_mail_identifiers_are_matched_trimmed_and_lower_cased()
    {
        var mapping = new ModelMapping("email", IdentifierType.Email, new Dictionary<string, string>());

        var result = ModelResult.Read(JsonDocument.Parse("""[{"email": "  Maria@Example.COM "}, {"email": "Maria <maria@example.com>"}]""").RootElement.EnumerateArray(),
            mapping, s_phones);

        Assert.Equal(["maria@example.com"], result.Rows.Keys);
        Assert.Equal(1, result.Failed);
    }

    [Fact]
    public void Phone_identifiers_are_matched_in_E164()
    {
        var mapping = new ModelMapping("phone", IdentifierType.Phone, new Dictionary<string, string>());

        var result = ModelResult.Read(JsonDocument.Parse("""[{"phone": "(201) 555-0123"}, {"phone": 2125550199}, {"phone": "+1 201 555 0123"}, {"phone": "555-0100"}]""")
            .RootElement.EnumerateArray(), mapping, s_phones);

        Assert.Equal(["+12015550123", "+12125550199"], result.Rows.Keys);
        Assert.Equal(2, result.Failed);
    }

    private static ModelResult Read(string rows) => ModelResult.Read(JsonDocument.Parse(rows).RootElement.EnumerateArray().Select(row => row.Clone()).ToList(), s_mapping, s_phones);
}
