using Alle.Loyalty.Points;
using Npgsql;

namespace Alle.Loyalty.Members;

internal static class MemberStatus
{
    public const string PreRegistered = "pre_registered";
    public const string Enrolled = "enrolled";
}

internal sealed record Member(
    string MemberId,
    string Phone,
    string Status,
    string? FirstName,
    string? LastName,
    string? Email,
    DateOnly? Birthday,
    string? Zip,
    bool TransactionalConsent,
    bool MarketingConsent,
    string Tier,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EnrolledAt)
{
    public const string Columns = "member_id, phone, status, first_name, last_name, email, birthday, zip, transactional_consent, marketing_consent, tier, created_at, enrolled_at";

    public static Member Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateOnly>(6),
        reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8), reader.GetBoolean(9), reader.GetString(10),
        reader.GetFieldValue<DateTimeOffset>(11), reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12));

    /// <summary>
    /// The traits sent with identify calls: Segment's reserved traits for the person (so the profile gets them) and the
    /// member's loyalty standing.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Traits(PointsBalance balance)
    {
        var traits = new Dictionary<string, object?>
        {
            ["phone"] = Phone,
            ["loyalty_status"] = Status,
            ["loyalty_tier"] = Tier,
            ["points_available"] = balance.Available,
            ["points_pending"] = balance.Pending,
            ["points_earned_12mo"] = balance.EarnedInRollingYear,
        };
        if (FirstName is not null) { traits["firstName"] = FirstName; }
        if (LastName is not null) { traits["lastName"] = LastName; }
        if (Email is not null) { traits["email"] = Email; }
        if (Birthday is { } birthday) { traits["birthday"] = birthday.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture); }
        if (Zip is not null)
        {
            traits["zip"] = Zip;
            traits["address"] = new Dictionary<string, string> { ["postalCode"] = Zip, ["country"] = "US" };
        }
        return traits;
    }
}
