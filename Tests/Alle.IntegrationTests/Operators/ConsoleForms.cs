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

    public async Task<HttpResponseMessage> PostAsync(string page, Dictionary<string, string> fields)
    {
        var html = await _client.GetStringAsync(page);
        fields["__RequestVerificationToken"] = Token().Match(html).Groups[1].Value;
        return await _client.PostAsync(page, new FormUrlEncodedContent(fields));
    }

    /// <summary>Posts to one of the page's named handlers (<c>?handler=…</c>), with the token the page itself shows.</summary>
    public async Task<HttpResponseMessage> PostAsync(string page, string handler, Dictionary<string, string> fields)
    {
        var html = await _client.GetStringAsync(page);
        fields["__RequestVerificationToken"] = Token().Match(html).Groups[1].Value;
        return await _client.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    public Task<HttpResponseMessage> GetAsync(string page) => _client.GetAsync(page);

    public async Task<string> GetStringAsync(string page) => await _client.GetStringAsync(page);

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
