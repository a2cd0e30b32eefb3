using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Alle.Messaging.Twilio;

/// <summary>The result of asking Twilio to send one message.</summary>
internal abstract record TwilioSendResult
{
    /// <summary>Twilio created the message (status queued or accepted).</summary>
    public sealed record Accepted(string Sid, string Status) : TwilioSendResult;

    /// <summary>Twilio refused the message with an error object: it was not created and will not be.</summary>
    public sealed record Rejected(int Code, string Message, TwilioOutcome Outcome) : TwilioSendResult;

    /// <summary>Twilio stayed busy (429/5xx) through every retry: the message was not created and may be tried later.</summary>
    public sealed record Unavailable(int StatusCode) : TwilioSendResult;

    /// <summary>The request may or may not have reached Twilio (connection lost, time-out): never send it again blindly.</summary>
    public sealed record Unknown(string Reason) : TwilioSendResult;
}

/// <summary>
/// Twilio's Messages API over a typed <see cref="HttpClient"/>: form-encoded POST to
/// <c>/2010-04-01/Accounts/{AccountSid}/Messages.json</c> with HTTP Basic (AccountSid, AuthToken). Retries of 429/5xx
/// live in <see cref="TwilioRetryHandler"/>; the sender's throughput in <see cref="SenderThrottle"/>, which the caller
/// waits for before it marks a message as being sent.
/// </summary>
internal sealed class TwilioClient(HttpClient http, IOptions<TwilioOptions> options)
{
    private readonly TwilioOptions _options = options.Value;

    public static void Configure(HttpClient http, TwilioOptions options)
    {
        http.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
        http.Timeout = TimeSpan.FromSeconds(60);
    }

    public async Task<TwilioSendResult> SendAsync(string to, string body, Uri statusCallback, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", to),
            new("Body", body),
            new("StatusCallback", statusCallback.ToString()),
        };
        form.Add(_options.MessagingServiceSid is { Length: > 0 } service
            ? new("MessagingServiceSid", service)
            : new("From", _options.From ?? throw new InvalidOperationException("Set Twilio:From or Twilio:MessagingServiceSid.")));

        HttpResponseMessage response;
        try
        {
            using var content = new FormUrlEncodedContent(form);
            response = await http.PostAsync($"2010-04-01/Accounts/{Uri.EscapeDataString(_options.AccountSid)}/Messages.json", content, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            // Refused before anything was sent: Twilio never saw it.
            return exception.HttpRequestError == HttpRequestError.ConnectionError
                ? new TwilioSendResult.Unavailable(0)
                : new TwilioSendResult.Unknown(exception.HttpRequestError.ToString());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TwilioSendResult.Unknown("timeout");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var message = await response.Content.ReadFromJsonAsync<TwilioMessageResource>(cancellationToken)
                    ?? throw new InvalidOperationException("Twilio answered without a message resource.");
                return new TwilioSendResult.Accepted(message.Sid, message.Status);
            }
            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                return new TwilioSendResult.Unavailable((int)response.StatusCode);
            }

            var error = await ReadErrorAsync(response, cancellationToken);
            return new TwilioSendResult.Rejected(error.Code, error.Message ?? response.ReasonPhrase ?? "", TwilioErrors.Classify(error.Code));
        }
    }

    private static async Task<TwilioError> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<TwilioError>(cancellationToken) ?? new TwilioError(0, null, null, (int)response.StatusCode);
        }
        catch (JsonException)
        {
            return new TwilioError(0, response.ReasonPhrase, null, (int)response.StatusCode);
        }
    }
}

/// <summary>The fields of Twilio's Message resource we read.</summary>
internal sealed record TwilioMessageResource(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("num_segments")] string? NumSegments);

/// <summary>Twilio's error object: <c>{"code":21211,"message":"…","more_info":"…","status":400}</c>.</summary>
internal sealed record TwilioError(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("more_info")] string? MoreInfo,
    [property: JsonPropertyName("status")] int Status);
