using System.Runtime.CompilerServices;
using System.Text;

namespace Alle.Hosting;

/// <summary>A configuration value known only when the application runs (a port, a generated secret, a connection string).</summary>
public interface IValueProvider
{
    string GetValue();

    /// <summary>How the deployment manifest writes this value: a literal or a <c>{resource.property}</c> placeholder.</summary>
    string ManifestExpression { get; }
}

public sealed class LiteralValue(string value) : IValueProvider
{
    public string GetValue() => value;
    public string ManifestExpression => value;
}

public sealed class DeferredValue(Func<string> value, string manifestExpression) : IValueProvider
{
    public string GetValue() => value();
    public string ManifestExpression => manifestExpression;
}

/// <summary>The URL of one of a resource's endpoints (its first replica).</summary>
public sealed class EndpointReference(IResourceWithEndpoints resource, EndpointAnnotation endpoint) : IValueProvider
{
    public IResourceWithEndpoints Resource { get; } = resource;
    public string Url => endpoint.UrlFor(0);
    public string GetValue() => Url;
    public string ManifestExpression => $"{{{Resource.Name}.bindings.{endpoint.Name}.url}}";
}

/// <summary>A string built from literals and values, written as an interpolated string: <c>ReferenceExpression.Create($"{gateway}/webhooks")</c>.</summary>
public sealed class ReferenceExpression : IValueProvider
{
    private readonly IReadOnlyList<object> _parts;

    private ReferenceExpression(IReadOnlyList<object> parts) => _parts = parts;

    public static ReferenceExpression Create(in ExpressionInterpolatedStringHandler handler) => new(handler.Parts);

    public string GetValue() => Join(part => part is IValueProvider value ? value.GetValue() : (string)part);

    public string ManifestExpression => Join(part => part is IValueProvider value ? value.ManifestExpression : (string)part);

    private string Join(Func<object, string> render)
    {
        var text = new StringBuilder();
        foreach (var part in _parts)
        {
            text.Append(render(part));
        }
        return text.ToString();
    }

    [InterpolatedStringHandler]
    public readonly struct ExpressionInterpolatedStringHandler
    {
        public ExpressionInterpolatedStringHandler(int literalLength, int formattedCount) => Parts = new List<object>(formattedCount * 2 + 1);

        internal List<object> Parts { get; }

        public void AppendLiteral(string value) => Parts.Add(value);

        public void AppendFormatted(IValueProvider value) => Parts.Add(value);

        public void AppendFormatted(string value) => Parts.Add(value);
    }
}
