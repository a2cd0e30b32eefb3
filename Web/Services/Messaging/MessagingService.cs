using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.Web.Services.Messaging;

/// <summary>Messaging for members: one-time codes (public) and, signed in, her own marketing preference (member token).</summary>
public sealed class MessagingService(HttpClient http)
{
    /// <summary>Texts a code, or says why not: too many codes (5 an hour), or texts to the number are stopped.</summary>
    public async Task<CodeRequest> StartVerificationAsync(string phone, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/api/messaging/verify/start", new { phone }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new CodeRequest.TooMany();
        }
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return new CodeRequest.Stopped(problem.TryGetProperty("programNumber", out var number) && number.ValueKind == JsonValueKind.String ? number.GetString() : null);
        }
        await response.EnsureAcceptedAsync(cancellationToken);
        return new CodeRequest.Sent((await response.Content.ReadFromJsonAsync<Started>(cancellationToken))!.Sid);
    }

    /// <summary>What became of a code's text (null when Messaging does not know the verification).</summary>
    public Task<CodeDelivery?> GetDeliveryAsync(Guid verificationId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/messaging/verify/{verificationId}", cancellationToken).ReadOrNullAsync<CodeDelivery>(cancellationToken);

    public Task<VerificationCheck> CheckVerificationAsync(string phone, string code, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/messaging/verify/check", new { phone, code }, cancellationToken).ReadAsync<VerificationCheck>(cancellationToken);

    public Task<Preferences> GetPreferencesAsync(CancellationToken cancellationToken) =>
        http.GetAsync("/api/messaging/preferences", cancellationToken).ReadAsync<Preferences>(cancellationToken);

    public Task<Preferences> SetMarketingAsync(bool marketing, string evidence, CancellationToken cancellationToken) =>
        http.PutAsJsonAsync("/api/messaging/preferences", new { marketing, evidence }, cancellationToken).ReadAsync<Preferences>(cancellationToken);
}

/// <param name="Status">approved, pending, max_attempts_reached or expired.</param>
public sealed record VerificationCheck(string Status, bool Valid);

/// <param name="Stopped">Texts to her number are stopped (STOP): she texts START to <paramref name="ProgramNumber"/> first.</param>
/// <param name="MarketingTextsAt">When an offer texted now would reach her (after quiet hours); null while offers by text are off.</param>
public sealed record Preferences(string Phone, bool Marketing, bool Transactional, bool Stopped, string? ProgramNumber, string TimeZone,
    TimeOnly QuietHoursStart, TimeOnly QuietHoursEnd, DateTimeOffset? MarketingTextsAt);

public abstract record CodeRequest
{
    public sealed record Sent(Guid VerificationId) : CodeRequest;

    public sealed record TooMany : CodeRequest;

    public sealed record Stopped(string? ProgramNumber) : CodeRequest;
}

/// <param name="Delivery">sending, delivered or failed.</param>
/// <param name="Reason">opted_out, unroutable, not_mobile, invalid_number or undelivered, when it failed.</param>
public sealed record CodeDelivery(Guid Sid, string Delivery, string? Reason, string? ProgramNumber);

internal sealed record Started(Guid Sid);
