using Microsoft.Extensions.Options;

namespace Alle.Messaging.Twilio;

/// <summary>
/// Sends the SDK's requests, which always name <c>https://api.twilio.com</c> (or a regional host), to
/// <c>Twilio:BaseUrl</c> instead — the local sandbox in development and tests — keeping path and query. With Twilio's
/// own API as the base URL requests pass untouched, so the SDK's region and edge settings still apply.
/// </summary>
internal sealed class TwilioBaseUrlHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    public static readonly Uri TwilioApi = new("https://api.twilio.com");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = new Uri(options.Value.BaseUrl);
        if (request.RequestUri is { } uri && Uri.Compare(target, TwilioApi, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        }
        return base.SendAsync(request, cancellationToken);
    }
}
