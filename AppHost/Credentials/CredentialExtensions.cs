using System.Security.Cryptography;
using Aspire.Hosting.Publishing;

namespace Alle.AppHost.Credentials;

/// <summary>Marks a credential the AppHost prints when the application is ready (keys developers paste into clients).</summary>
public sealed class PrintedAtStartAnnotation(string label) : IResourceAnnotation
{
    public string Label { get; } = label;
}

public static class CredentialExtensions
{
    /// <summary>
    /// A development credential as an Aspire secret parameter: <c>Parameters:{name}</c> when configured, otherwise
    /// generated on the first run and kept in the AppHost's user secrets (never in the repository). Printed at start as
    /// "{name with spaces}: value" unless <paramref name="printed"/> is false.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddCredential(this IDistributedApplicationBuilder builder, string name,
        ParameterDefault? generated = null, bool printed = true)
    {
        var parameter = builder.AddParameter(name, generated ?? new GenerateParameterDefault { MinLength = 40, Special = false }, secret: true, persist: true);
        return printed ? parameter.WithAnnotation(new PrintedAtStartAnnotation(name.Replace('-', ' '))) : parameter;
    }

    /// <summary>
    /// A Twilio account credential: for the local sandbox, generated in Twilio's shape like any development credential;
    /// when published, the real account's, asked for at deployment with nothing generated.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddTwilioCredential(this IDistributedApplicationBuilder builder, string name, TwilioSandboxCredential shape) =>
        builder.ExecutionContext.IsPublishMode ? builder.AddParameter(name, secret: true) : builder.AddCredential(name, shape);
}

/// <summary>Credentials in Twilio's own shapes for the local sandbox: an account SID ("AC" and 32 hex digits) or an auth token (32 hex digits).</summary>
public sealed class TwilioSandboxCredential(bool accountSid) : ParameterDefault
{
    public static TwilioSandboxCredential AccountSid { get; } = new(accountSid: true);

    public static TwilioSandboxCredential AuthToken { get; } = new(accountSid: false);

    public override string GetDefaultValue() =>
        (accountSid ? "AC" : "") + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public override void WriteToManifest(ManifestPublishingContext context) =>
        throw new InvalidOperationException("A deployment brings the real Twilio account's credentials: see AddTwilioCredential.");
}
