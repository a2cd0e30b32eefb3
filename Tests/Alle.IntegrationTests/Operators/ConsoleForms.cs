using System.Net;
using System.Text.RegularExpressions;

namespace Alle.IntegrationTests.Operators;

/// <summary>A browser-like client for the console's forms: cookies kept, the antiforgery token read from the page.</summary>
internal sealed partial class ConsoleForms(DistributedAppFixture app) : IDisposable
{
    private readonly HttpClient _client = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = app.Endpoint("gateway"),
    };

    public Task<HttpResponseMessage> PostAsync(string page, Dictionary<string, string> fields) => PostAsync(page, null, fields);

    /// <summary>
    /// Posts to the page (or one of its named handlers, <c>?handler=…</c>) with the token the page itself shows. Sign-in
    /// posts are limited to 30 a minute per client address and every test comes from the same one: a 429 means other
    /// tests filled this minute, so the post is made again once the window turns (a refused post changes nothing).
    /// </summary>
    public async Task<HttpResponseMessage> PostAsync(string page, string? handler, Dictionary<string, string> fields)
    {
        var html = await _client.GetStringAsync(page);
        fields["__RequestVerificationToken"] = Token().Match(html).Groups[1].Value;
        var target = handler is null ? page : $"{page}?handler={handler}";
        return await Eventually.GetAsync(async () =>
        {
            var response = await _client.PostAsync(target, new FormUrlEncodedContent(fields));
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }
            response.Dispose();
            return null;
        }, TimeSpan.FromSeconds(75), $"the sign-in rate limit's next window for {target}");
    }

    public Task<HttpResponseMessage> GetAsync(string page) => _client.GetAsync(page);

    public async Task<string> GetStringAsync(string page) => await _client.GetStringAsync(page);

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
