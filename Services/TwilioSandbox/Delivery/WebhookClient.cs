using Alle.TwilioSandbox.Extensions;
using Alle.TwilioSandbox.Phones;
using Microsoft.Extensions.Options;

namespace Alle.TwilioSandbox.Delivery;

/// <summary>Posts signed, form-encoded webhooks (<c>X-Twilio-Signature</c>) as Twilio does.</summary>
internal sealed class WebhookClient(HttpClient http, IOptions<SandboxOptions> options)
{
    public async Task<(int Status, string Body)> PostAsync(string url, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
        request.Headers.Add("X-Twilio-Signature", RequestSigner.Sign(options.Value.AuthToken, url, parameters));
        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");
        using var response = await http.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
