using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Alle.Gateway;

/// <summary>
/// API keys on the admin APIs: a request to <c>/api/…</c> presenting an API key (<c>alle_…</c>, as Bearer token or HTTP
/// Basic user name) has it exchanged by Web, which owns the keys, for a one-minute operator token carrying the key's
/// scopes; the service behind then sees that token. An unknown or revoked key is refused here with 401. Each request
/// is exchanged afresh, so a revocation applies to the next request and the key's last use is always current.
/// </summary>
public sealed class ApiKeyExchange(RequestDelegate next, IHttpClientFactory clients, IConfiguration configuration, ILogger<ApiKeyExchange> logger)
{
    public const string HttpClientName = "api-key-exchange";
    private const string Prefix = "alle_";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api") || PresentedKey(context.Request.Headers.Authorization.ToString()) is not { } key)
        {
            await next(context);
            return;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/api-keys/exchange") { Content = JsonContent.Create(new { key }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", configuration["Alle:AdminKey"]);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, context.RequestAborted);
        }
        catch (HttpRequestException exception)
        {
            logger.LogWarning("API key exchange failed: {Message}", exception.Message);
            await Results.Problem(statusCode: 503, title: "Service unavailable", detail: "API keys cannot be checked right now; retry later.").ExecuteAsync(context);
            return;
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Results.Problem(statusCode: 401, title: "Authentication required", detail: "The API key is not valid or was revoked.").ExecuteAsync(context);
                return;
            }
            var exchanged = await response.Content.ReadFromJsonAsync<ExchangedToken>(context.RequestAborted);
            context.Request.Headers.Authorization = $"Bearer {exchanged!.Token}";
        }
        await next(context);
    }

    private static string? PresentedKey(string authorization)
    {
        if (authorization.StartsWith("Bearer " + Prefix, StringComparison.Ordinal))
        {
            return authorization[7..].Trim();
        }
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var user = decoded.Split(':')[0];
                return user.StartsWith(Prefix, StringComparison.Ordinal) ? user : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }

    private sealed record ExchangedToken(string Token);
}
