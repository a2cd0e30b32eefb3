using Alle.Messaging.Integrations;
using Alle.Platform.Identifiers;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Consent;

/// <summary>A member's phone number: the one she enrolled with, else the one Profiles holds for her.</summary>
internal sealed class MemberPhones(NpgsqlDataSource dataSource, ProfilesClient profiles, PhoneNumberNormalizer phones)
{
    public async Task<string?> FindAsync(string memberId, CancellationToken cancellationToken)
    {
        if (await dataSource.ScalarAsync<string>("SELECT phone FROM members WHERE member_id = $1", cancellationToken, memberId) is { } enrolled)
        {
            return enrolled;
        }
        try
        {
            return phones.ToE164((await profiles.FindByUserIdAsync(memberId, cancellationToken))?.Phone);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
