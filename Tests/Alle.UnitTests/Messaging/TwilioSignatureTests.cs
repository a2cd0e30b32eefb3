using Alle.Messaging.Twilio;
using Alle.TwilioSandbox.Phones;
using Alle.UnitTests.Messaging.TwilioVectors;

namespace Alle.UnitTests.Messaging;

/// <summary>Our signature code against vectors computed at test time by Twilio's official helper library.</summary>
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
        ("abc", "https://alle.example/hook", [("Tag", "b"), ("Tag", "a"), ("Tag", "b"), ("Empty", "")]),
    ];

    [Fact]
    public async Task Our_signatures_equal_what_twilios_library_expects()
    {
        var answers = await TwilioLibrary.ComputeAsync([.. s_cases.Select(c => new TwilioLibrary.SignatureCase(c.Token, c.Url, Params(c.Fields)))]);

        for (var i = 0; i < s_cases.Length; i++)
        {
            var (token, url, fields) = s_cases[i];
            Assert.Equal(answers[i].Expected, TwilioSignature.Compute(token, url, Pairs(fields)));
            Assert.True(TwilioSignature.IsValid(token, url, Pairs(fields), answers[i].Expected));
        }
    }

    [Fact]
    public async Task The_sandbox_signs_callbacks_as_twilio_and_twilios_validator_accepts_them()
    {
        var single = s_cases.Where(c => c.Fields.Select(f => f.Key).Distinct().Count() == c.Fields.Length).ToList();
        var answers = await TwilioLibrary.ComputeAsync([.. single.Select(c =>
            new TwilioLibrary.SignatureCase(c.Token, c.Url, Params(c.Fields), RequestSigner.Sign(c.Token, c.Url, Pairs(c.Fields))))]);

        Assert.All(answers, answer => Assert.True(answer.Accepted));
    }

    [Fact]
    public async Task A_tampered_parameter_url_or_token_fails_validation_as_in_twilios_library()
    {
        var (token, url, fields) = s_cases[1];
        var genuine = TwilioSignature.Compute(token, url, Pairs(fields));
        var tamperedFields = fields.Select(f => f.Key == "MessageStatus" ? (f.Key, "failed") : f).ToArray();

        var answers = await TwilioLibrary.ComputeAsync(
        [
            new(token, url, Params(tamperedFields), genuine),
            new(token, url.Replace("5080", "5081", StringComparison.Ordinal), Params(fields), genuine),
            new("another-token", url, Params(fields), genuine),
        ]);

        Assert.All(answers, answer => Assert.False(answer.Accepted));
        Assert.False(TwilioSignature.IsValid(token, url, Pairs(tamperedFields), genuine));
        Assert.False(TwilioSignature.IsValid(token, url.Replace("5080", "5081", StringComparison.Ordinal), Pairs(fields), genuine));
        Assert.False(TwilioSignature.IsValid("another-token", url, Pairs(fields), genuine));
        Assert.False(TwilioSignature.IsValid(token, url, Pairs(fields), null));
        Assert.False(TwilioSignature.IsValid(token, url, Pairs(fields), ""));
    }

    [Theory]
    [InlineData("https://alle.example/webhooks/twilio/inbound", "https://alle.example:443/webhooks/twilio/inbound")]
    [InlineData("https://alle.example:443/webhooks/twilio/inbound", "https://alle.example/webhooks/twilio/inbound")]
    public async Task A_default_port_written_out_or_left_off_validates_as_in_twilios_library(string signedUrl, string receivedUrl)
    {
        var fields = s_cases[2].Fields;
        var signature = TwilioSignature.Compute("abc", signedUrl, Pairs(fields));

        var answers = await TwilioLibrary.ComputeAsync([new("abc", receivedUrl, Params(fields), signature)]);

        Assert.True(answers[0].Accepted);
        Assert.True(TwilioSignature.IsValid("abc", receivedUrl, Pairs(fields), signature));
    }

    private static List<KeyValuePair<string, string>> Pairs((string Key, string Value)[] fields) => [.. fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))];

    private static Dictionary<string, object> Params((string Key, string Value)[] fields) => fields
        .GroupBy(f => f.Key)
        .ToDictionary(g => g.Key, g => g.Count() == 1 ? (object)g.Single().Value : g.Select(f => f.Value).ToArray());
}
