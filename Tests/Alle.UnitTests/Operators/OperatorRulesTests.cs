using Alle.Platform.Audit;
using Alle.Platform.Authorization;
using Alle.Web.Operators;
using Alle.Web.Services.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Operators;

public sealed class OperatorRulesTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Five_wrong_passwords_in_a_row_lock_the_account_for_fifteen_minutes()
    {
        var failures = 0;
        DateTimeOffset? lockedUntil = null;
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            (failures, lockedUntil) = Lockout.AfterFailure(failures, s_now);
            Assert.Equal(attempt, failures);
            Assert.Null(lockedUntil);
        }
        (failures, lockedUntil) = Lockout.AfterFailure(failures, s_now);
        Assert.Equal(0, failures);
        Assert.Equal(s_now.AddMinutes(15), lockedUntil);
        var account = new OperatorAccount(Guid.NewGuid(), "a@example.com", "owner", "", failures, lockedUntil, null, s_now, null);
        Assert.True(account.IsLocked(s_now.AddMinutes(14)));
        Assert.False(account.IsLocked(s_now.AddMinutes(15)));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("elevenchars", false)]
    [InlineData("twelve chars", true)]
    public void Passwords_have_at_least_twelve_characters(string? password, bool accepted) =>
        Assert.Equal(accepted, PasswordRules.Problem(password) is null);

    [Fact]
    public void Scopes_are_permissions_or_roles_standing_for_theirs()
    {
        Assert.Equal(OperatorRoles.PermissionsOf("marketer").Order(StringComparer.Ordinal), ApiKeys.ReadScopes(["marketer"]));
        Assert.Equal(["audiences:write", "read"], ApiKeys.ReadScopes(["read", "audiences:write", "read"])!);
        Assert.Null(ApiKeys.ReadScopes(["superuser"]));
        Assert.Null(ApiKeys.ReadScopes([]));
    }

    [Fact]
    public void Roles_hold_the_permissions_the_issue_names()
    {
        Assert.Equal(Permissions.All, OperatorRoles.PermissionsOf("owner"));
        Assert.Equal(["read"], OperatorRoles.PermissionsOf("analyst"));
        Assert.Contains(Permissions.SourcesWrite, OperatorRoles.PermissionsOf("developer"));
        Assert.Contains(Permissions.DestinationsWrite, OperatorRoles.PermissionsOf("developer"));
        Assert.Contains(Permissions.ModelsWrite, OperatorRoles.PermissionsOf("developer"));
        Assert.DoesNotContain(Permissions.AudiencesWrite, OperatorRoles.PermissionsOf("developer"));
        Assert.Contains(Permissions.AudiencesWrite, OperatorRoles.PermissionsOf("marketer"));
        Assert.Contains(Permissions.JourneysWrite, OperatorRoles.PermissionsOf("marketer"));
        Assert.Contains(Permissions.OffersWrite, OperatorRoles.PermissionsOf("marketer"));
        Assert.Contains(Permissions.MessagesWrite, OperatorRoles.PermissionsOf("marketer"));
        Assert.DoesNotContain(Permissions.SourcesWrite, OperatorRoles.PermissionsOf("marketer"));
        Assert.DoesNotContain(Permissions.OperatorsManage, OperatorRoles.PermissionsOf("developer").Concat(OperatorRoles.PermissionsOf("marketer")));
    }

    [Fact]
    public void Operator_tokens_carry_the_actor_until_they_expire_and_refuse_forgery()
    {
        var clock = new FakeTimeProvider(s_now);
        var tokens = new OperatorTokens(Configuration("the-admin-key"), clock);
        var token = tokens.Create(Actor.Operator("42", "ana@example.com", "analyst"));

        var actor = tokens.Validate(token);
        Assert.NotNull(actor);
        Assert.Equal(("operator", "42", "ana@example.com", "analyst"), (actor.Kind, actor.Id, actor.Name, actor.Role));
        Assert.Equal(["read"], actor.Permissions);

        // Another admin key signs differently; a changed payload breaks the signature.
        Assert.Null(new OperatorTokens(Configuration("another-key"), clock).Validate(token));
        var parts = token.Split('.');
        var owner = tokens.Create(Actor.Operator("42", "ana@example.com", "owner")).Split('.');
        Assert.Null(tokens.Validate($"{parts[0]}.{owner[1]}.{parts[2]}"));
        Assert.Null(tokens.Validate("ot1.garbage"));
        Assert.Null(tokens.Validate(null));

        clock.Advance(OperatorTokens.DefaultLifetime);
        Assert.Null(tokens.Validate(token));
    }

    [Fact]
    public void Masking_hides_phones_and_emails_in_every_string_of_a_document()
    {
        var masked = System.Text.Json.JsonDocument.Parse(PersonalDataMasking.MaskDocument(
            """{"phone":"+15551234567","note":"call +1 555 123 4567 or jane.doe@example.com","+15559876543":1,"n":5}""")).RootElement;
        Assert.Equal("••••••••4567", masked.GetProperty("phone").GetString());
        Assert.Equal($"call {new string('•', 11)}4567 or j•••@example.com", masked.GetProperty("note").GetString());
        Assert.Equal(1, masked.GetProperty("••••••••6543").GetInt32());
        Assert.Equal(5, masked.GetProperty("n").GetInt32());
        Assert.Equal("••••••••4567", PersonalDataMasking.Mask("+15551234567"));
        Assert.Equal("j•••@example.com", PersonalDataMasking.Mask("jane.doe@example.com"));
        Assert.Equal("not json, ••••••••4567", PersonalDataMasking.MaskDocument("not json, +15551234567"));
    }

    [Fact]
    public void The_audit_export_quotes_every_field_and_defuses_formulas()
    {
        var csv = AuditLogService.ToCsv([new AuditEntry(1, s_now, "audiences", "api-key", "7", "=HYPERLINK(\"x\")", "PUT /api/audiences/{audience}",
            "/api/audiences/a", 200, "{\"name\":\"a, \\\"b\\\"\"}", null)]);
        var lines = csv.Split("\r\n");
        Assert.Equal("at,service,actor_kind,actor_id,actor,action,resource,status,before,after", lines[0]);
        Assert.Equal("\"2026-12-07T09:00:00.0000000+00:00\",\"audiences\",\"api-key\",\"7\",\"'=HYPERLINK(\"\"x\"\")\",\"PUT /api/audiences/{audience}\","
            + "\"/api/audiences/a\",\"200\",\"{\"\"name\"\":\"\"a, \\\"\"b\\\"\"\"\"}\",\"\"", lines[1]);
    }

    private static IConfiguration Configuration(string adminKey) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Alle:AdminKey"] = adminKey }).Build();
}
