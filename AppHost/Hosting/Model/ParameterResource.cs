using System.Security.Cryptography;

namespace Alle.Hosting;

/// <summary>
/// A secret the application needs (an admin key, a write key, a provider token). Taken from configuration
/// (<c>Parameters:{name}</c>) when set there; otherwise generated on first run and kept in the state folder.
/// </summary>
public sealed class ParameterResource(string name, string label, Func<string> generate, bool showAtStart = true) : Resource(name), IValueProvider
{
    private string? _value;

    /// <summary>How the AppHost prints it at start, e.g. "portal write key".</summary>
    public string Label { get; } = label;

    internal Func<string> Generate { get; } = generate;

    /// <summary>Printed at start (keys developers paste into clients); server passwords only appear in the dashboard.</summary>
    public bool ShowAtStart { get; } = showAtStart;

    public string Value => _value ?? throw new InvalidOperationException($"Parameter '{Name}' has no value before the application starts.");

    internal void SetValue(string value) => _value = value;

    public string GetValue() => Value;

    public string ManifestExpression => $"{{{Name}.value}}";

    /// <summary>A random URL-safe key with 256 bits of entropy.</summary>
    public static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class ParameterResourceBuilderExtensions
{
    public static IResourceBuilder<ParameterResource> AddSecret(this DistributedApplicationBuilder builder, string name, string label,
        Func<string>? generate = null, bool showAtStart = true)
        => builder.AddResource(new ParameterResource(name, label, generate ?? ParameterResource.RandomKey, showAtStart));
}
