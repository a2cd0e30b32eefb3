using Microsoft.OpenApi;

namespace Alle.Platform.OpenApi;

/// <summary>
/// The credentials the platform's APIs take, as OpenAPI security schemes, keyed by the ASP.NET Core authentication
/// scheme that checks them (or by a name endpoints declare with <see cref="ApiDocumentation.RequiresCredential"/> when
/// the check lives in the handler, as Segment's write key and Twilio's signature do).
/// </summary>
public static class ApiCredentials
{
    public const string WriteKey = "WriteKey";
    public const string TwilioSignature = "TwilioSignature";

    private static readonly Dictionary<string, (string Id, OpenApiSecurityScheme Scheme)> Known = new(StringComparer.Ordinal)
    {
        ["AdminKey"] = ("adminKey", Http("bearer",
            "An API key (`alle_…`, through the gateway) with the scope the operation needs, an operator token (`ot1.…`, minted by the console " +
            "for a signed-in operator), or the admin key (configuration `Alle:AdminKey`), as `Authorization: Bearer <key>` or as the HTTP Basic user name.")),
        ["MemberToken"] = ("memberToken", Http("bearer",
            "A member token (`mt1.…`) the portal issues when a member signs in: the request acts for that member only.")),
        ["ProviderKey"] = ("providerKey", Http("bearer",
            "The provider key (configuration `Loyalty:ProviderKey`) of the program's provider systems: purchases, refunds, redemptions, pre-registration.")),
        [WriteKey] = ("writeKey", Http("basic",
            "A source's write key as the HTTP Basic user name with an empty password, as Segment's libraries send it (or `writeKey` in the body).")),
        [TwilioSignature] = ("twilioSignature", new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Twilio-Signature",
            Description = "Twilio's request signature: base64 HMAC-SHA1 of the full URL and the sorted form fields with the account's auth token.",
        }),
    };

    /// <summary>Authentication schemes that choose between others per request.</summary>
    private static readonly Dictionary<string, string[]> Alternatives = new(StringComparer.Ordinal)
    {
        ["MemberOrAdmin"] = ["MemberToken", "AdminKey"],
    };

    /// <summary>The security schemes a credential name stands for: one, or each alternative of a forwarding scheme.</summary>
    public static IEnumerable<(string Id, OpenApiSecurityScheme Scheme)> For(string name) =>
        Alternatives.TryGetValue(name, out var alternatives)
            ? alternatives.SelectMany(For)
            : [Known.TryGetValue(name, out var known) ? known : (char.ToLowerInvariant(name[0]) + name[1..], Http("bearer", $"The `{name}` credential."))];

    private static OpenApiSecurityScheme Http(string scheme, string description) =>
        new() { Type = SecuritySchemeType.Http, Scheme = scheme, Description = description };
}
