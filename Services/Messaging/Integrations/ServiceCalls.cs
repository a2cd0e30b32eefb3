using Polly.Timeout;

namespace Alle.Messaging.Integrations;

internal static class ServiceCalls
{
    /// <summary>
    /// Sends through the client's resilience pipeline, whose total deadline ends a call with Polly's
    /// <see cref="TimeoutRejectedException"/> rather than an HTTP error: it is reported as the
    /// <see cref="HttpRequestException"/> every caller already treats as "the service cannot answer now". Left as it
    /// was, it escaped the callers' handling and ended the send loop or journey runner that made the call.
    /// </summary>
    public static async Task<HttpResponseMessage> SendWithinDeadlineAsync(this HttpClient http, HttpRequestMessage request, string service,
        CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                return await http.SendAsync(request, cancellationToken);
            }
            catch (TimeoutRejectedException exception)
            {
                throw new HttpRequestException($"{service} did not answer in time.", exception);
            }
        }
    }
}
