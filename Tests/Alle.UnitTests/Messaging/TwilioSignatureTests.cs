using Alle.Messaging.Apis;
using Alle.TwilioSandbox.Phones;
using Alle.UnitTests.Messaging.TwilioVectors;
using Microsoft.AspNetCore.Http;

namespace Alle.UnitTests.Messaging;

/// <summary>
/// Webhook validation (Twilio's SDK validator, as the webhooks call it) against signatures computed at test time by
/// Twilio's official Node.js library, and the sandbox's signer against both.
/// </summary>
public sealed class TwilioSignatureTests
{
    private static readonly (string Token, string Url, (string Key, string Value)[] Fields)[] s_cases =
    [
        ("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
            [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"), ("To", "+18005551212")]),
        ("0f3c9a2b7d1e4f5a6b7c8d9e0f1a2b3c", "http://127.0.0.1:5080/webhooks/twilio/status?m=0193a5b2c3d4e5f6a7b8c9d0e1f2a3b4",
            [("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("MessageStatus", "delivered"), ("SmsStatus", "delivered"), ("To", "+15555550100"), ("From", "+15005550006"), ("ApiVersion", "2010-04-01")]),
        ("token-with-ünicode", "https://alle.example/webhooks/twilio/inbound",
            [("Body", "Olá! Ça va? 🎉 50% off"), ("From", "+447700900123"), ("To", "+15005550006"), ("NumMedia", "0"), ("body", "lower-case key sorts after upper-case")]),
        ("abc", "https://alle.example/webhooks/twilio/inbound", []),
        ("abc", "https://alle.example/hook", [("Empty", ""), ("Tag", "a")]),
    ];

    [Fact]
    public async Task Signatures_twilios_library_computes_are_accepted()
    {
        var answers = await TwilioLibrary.ComputeAsync([.. s_cases.Select(c => new TwilioLibrary.SignatureCase(c.Token, c.Url, Params(c.Fields)))]);

        for (var i = 0; i < s_cases.Length; i++)
        {
            var (token, url, fields) = s_cases[i];
            Assert.True(WebhooksApi.IsSignedByTwilio(token, url, Form(fields), answers[i].Expected), $"case {i}");
        }
    }

    [Fact]
    public async Task The_sandbox_signs_callbacks_as_twilio_and_both_twilio_validators_accept_them()
    {
        var signatures = s_cases.Select(c => RequestSigner.Sign(c.Token, c.Url, Pairs(c.Fields))).ToList();

        var answers = await TwilioLibrary.ComputeAsync([.. s_cases.Select((c, i) => new TwilioLibrary.SignatureCase(c.Token, c.Url, Params(c.Fields), signatures[i]))]);

        for (var i = 0; i < s_cases.Length; i++)
        {
            var (token, url, fields) = s_cases[i];
            Assert.Equal(answers[i].Expected, signatures[i]);
            Assert.True(answers[i].Accepted, $"Node, case {i}");
            Assert.True(WebhooksApi.IsSignedByTwilio(token, url, Form(fields), signatures[i]), $"SDK, case {i}");
        }
    }

    [Fact]
    public async Task A_tampered_parameter_url_or_token_fails_validation_as_in_twilios_library()
    {
        var (token, url, fields) = s_cases[1];
        var genuine = (await TwilioLibrary.ComputeAsync([new(token, url, Params(fields))]))[0].Expected;
        var tamperedFields = fields.Select(f => f.Key == "MessageStatus" ? (f.Key, "failed") : f).ToArray();
        var otherPort = url.Replace("5080", "5081", StringComparison.Ordinal);

        var answers = await TwilioLibrary.ComputeAsync(
        [
            new(token, url, Params(tamperedFields), genuine),
            new(token, otherPort, Params(fields), genuine),
            new("another-token", url, Params(fields), genuine),
        ]);

        Assert.All(answers, answer => Assert.False(answer.Accepted));
        Assert.True(WebhooksApi.IsSignedByTwilio(token, url, Form(fields), genuine));
        Assert.False(WebhooksApi.IsSignedByTwilio(token, url, Form(tamperedFields), genuine));
        Assert.False(WebhooksApi.IsSignedByTwilio(token, otherPort, Form(fields), genuine));
        Assert.False(WebhooksApi.IsSignedByTwilio("another-token", url, Form(fields), genuine));
        Assert.False(WebhooksApi.IsSignedByTwilio(token, url, Form(fields), null));
        Assert.False(WebhooksApi.IsSignedByTwilio(token, url, Form(fields), ""));
    }

    [Theory]
    [InlineData("https://alle.example/webhooks/twilio/inbound", "https", "alle.example:443", "/webhooks/twilio/inbound", "")]
    [InlineData("https://alle.example:443/webhooks/twilio/inbound", "https", "alle.example", "/webhooks/twilio/inbound", "")]
    [InlineData("http://127.0.0.1/webhooks/twilio/status?m=1", "http", "127.0.0.1:80", "/webhooks/twilio/status", "?m=1")]
    [InlineData("http://127.0.0.1:80/webhooks/twilio/status?m=1", "http", "127.0.0.1", "/webhooks/twilio/status", "?m=1")]
    public async Task A_default_port_written_out_or_left_off_validates_as_in_twilios_library(string signedUrl, string scheme, string host, string path, string query)
    {
        var fields = s_cases[2].Fields;
        var signature = (await TwilioLibrary.ComputeAsync([new("abc", signedUrl, Params(fields))]))[0].Expected;
        var request = new DefaultHttpContext().Request;
        (request.Scheme, request.Host, request.Path, request.QueryString) = (scheme, new HostString(host), path, new QueryString(query));

        var answers = await TwilioLibrary.ComputeAsync([new("abc", $"{scheme}://{host}{path}{query}", Params(fields), signature)]);

        Assert.True(answers[0].Accepted);
        Assert.True(WebhooksApi.IsSignedByTwilio("abc", WebhooksApi.CalledUrl(request), Form(fields), signature));
    }

    [Fact]
    public async Task A_repeated_parameter_name_fails_closed()
    {
        // Twilio's messaging webhooks never repeat a name; the SDK's validator sees a repeated one as its values
        // joined with commas, as the form reaches it, so a request signed over each value is refused, never let in.
        (string Key, string Value)[] fields = [("Tag", "b"), ("Tag", "a")];
        var signature = (await TwilioLibrary.ComputeAsync([new("abc", "https://alle.example/hook", Params(fields))]))[0].Expected;

        Assert.False(WebhooksApi.IsSignedByTwilio("abc", "https://alle.example/hook", Form(fields), signature));
    }

    private static List<KeyValuePair<string, string>> Pairs((string Key, string Value)[] fields) => [.. fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))];

    /// <summary>The fields as the webhooks hand them to the validator: one entry per name, repeated values comma-joined.</summary>
    private static Dictionary<string, string> Form((string Key, string Value)[] fields) => fields
        .GroupBy(f => f.Key, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => string.Join(',', g.Select(f => f.Value)), StringComparer.Ordinal);

    private static Dictionary<string, object> Params((string Key, string Value)[] fields) => fields
        .GroupBy(f => f.Key)
        .ToDictionary(g => g.Key, g => g.Count() == 1 ? (object)g.Single().Value : g.Select(f => f.Value).ToArray());
}
