using System.Net;
using System.Net.Http.Json;

namespace Alle.Web.Services.Messaging;

/// <summary>Messaging for members: one-time codes (public) and, signed in, her own marketing preference (member token).</summary>
public sealed class MessagingService(HttpClient http)
{
    /// <summary>Texts a code; false when the number has asked for too many codes (5 an hour).</summary>
    public async Task<bool> StartVerificationAsync(string phone, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/api/messaging/verify/start", new { phone }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return false;
        }
        await response.EnsureAcceptedAsync(cancellationToken);
        return true;
    }

    public Task<VerificationCheck> CheckVerificationAsync(string phone, string code, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/messaging/verify/check", new { phone, code }, cancellationToken).ReadAsync<VerificationCheck>(cancellationToken);

    public Task<Preferences> GetPreferencesAsync(CancellationToken cancellationToken) =>
        http.GetAsync("/api/messaging/preferences", cancellationToken).ReadAsync<Preferences>(cancellationToken);

    public Task<Preferences> SetMarketingAsync(bool marketing, string evidence, CancellationToken cancellationToken) =>
        http.PutAsJsonAsync("/api/messaging/preferences", new { marketing, evidence }, cancellationToken).ReadAsync<Preferences>(cancellationToken);
}

/// <param name="Status">approved, pending, max_attempts_reached or expired.</param>
public sealed record VerificationCheck(string Status, bool Valid);

public sealed record Preferences(string Phone, bool Marketing, bool Transactional);
