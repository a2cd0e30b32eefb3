using System.Text.Json.Nodes;
using Alle.Platform.DeadLetters;

namespace Alle.UnitTests.Platform;

public sealed class PersonalDataMaskTests
{
    [Theory]
    [InlineData("call +15551234567 now", "call [phone] now")]
    [InlineData("call +1 (555) 123-4567", "call [phone]")]
    [InlineData("+44 20 7946 0958", "[phone]")]
    [InlineData("write to jo.smith+alle@mail.example.co.uk.", "write to [e-mail].")]
    [InlineData("order 5551234567 of 2026-03-01T10:00:00Z", "order 5551234567 of 2026-03-01T10:00:00Z")]
    [InlineData("0d9a0000-cc22-de55-a54a-08df541795a0", "0d9a0000-cc22-de55-a54a-08df541795a0")]
    [InlineData("+123", "+123")]
    [InlineData("", "")]
    public void Phone_numbers_and_e_mail_addresses_are_masked_in_text(string text, string expected) =>
        Assert.Equal(expected, PersonalDataMask.Mask(text));

    [Fact]
    public void Fields_named_for_phones_and_e_mails_are_masked_whatever_their_shape()
    {
        var body = JsonNode.Parse("""
            {
              "memberId": "m-1",
              "phone": "5551234567",
              "mobilePhone": 15551234567,
              "Email": "not an address",
              "emailVerified": true,
              "contact": { "phones": ["555 123 4567", null] },
              "identifiers": [{ "type": "phone", "value": "+15551234567" }, { "type": "email", "value": "jo@example.com" }],
              "count": 3
            }
            """);

        var masked = PersonalDataMask.Mask(body)!;

        Assert.Equal("""
            {"memberId":"m-1","phone":"[phone]","mobilePhone":"[phone]","Email":"[e-mail]","emailVerified":true,"contact":{"phones":["[phone]",null]},"identifiers":[{"type":"phone","value":"[phone]"},{"type":"email","value":"[e-mail]"}],"count":3}
            """.Trim(), masked.ToJsonString());
    }

    [Fact]
    public void The_original_is_left_as_it_was()
    {
        var body = JsonNode.Parse("""{"phone":"+15551234567"}""");

        PersonalDataMask.Mask(body);

        Assert.Equal("+15551234567", body!["phone"]!.GetValue<string>());
    }

    [Fact]
    public void Nothing_masks_to_nothing() => Assert.Null(PersonalDataMask.Mask((JsonNode?)null));
}
