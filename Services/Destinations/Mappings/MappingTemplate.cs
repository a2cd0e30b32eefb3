using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Validation;
using Fluid;

namespace Alle.Destinations.Mappings;

/// <summary>
/// The request a mapping sends, as Liquid templates (Fluid): the URL, each header value and the JSON body. Templates see
/// <c>event</c> (the Segment event: <c>event.userId</c>, <c>event.properties.total</c>, <c>event.context.page.url</c>),
/// <c>traits</c> (the person's profile traits), <c>audience</c> (<c>key</c>, <c>name</c>, <c>id</c>, <c>entered</c> for
/// audience syncs, else nothing) and <c>destination</c> (<c>id</c>, <c>name</c>). Use the <c>json</c> filter to write
/// a value into the body (<c>{"email": {{ traits.email | json }}}</c>) and <c>url_encode</c> in URLs. The rendered body
/// must be JSON.
/// </summary>
internal sealed class MappingTemplate
{
    public static readonly IReadOnlySet<string> Methods = new HashSet<string>(["GET", "POST", "PUT", "PATCH", "DELETE"], StringComparer.Ordinal);

    /// <summary>Set by the platform on every request; a mapping cannot override them.</summary>
    public static readonly IReadOnlySet<string> ReservedHeaders = new HashSet<string>(
        ["Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Expect", "X-Signature", "X-Signature-256"], StringComparer.OrdinalIgnoreCase);

    private static readonly FluidParser s_parser = new();
    private static readonly TemplateOptions s_options = new() { MaxSteps = 20_000, MaxRecursion = 20 };

    private readonly IFluidTemplate _url;
    private readonly IReadOnlyList<(string Name, IFluidTemplate Value)> _headers;
    private readonly IFluidTemplate? _body;

    private MappingTemplate(string method, IFluidTemplate url, IReadOnlyList<(string, IFluidTemplate)> headers, IFluidTemplate? body, bool usesTraits)
    {
        Method = method;
        _url = url;
        _headers = headers;
        _body = body;
        UsesTraits = usesTraits;
    }

    public string Method { get; }

    /// <summary>Whether any template reads <c>traits</c>: only then is the profile looked up.</summary>
    public bool UsesTraits { get; }

    public static MappingTemplate? Parse(JsonElement request, string path, ValidationErrors errors)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "A request is {\"method\": …, \"url\": …, \"headers\": {…}, \"body\": …}.");
            return null;
        }
        errors.OnlyMembers(request, path, "method", "url", "headers", "body");
        var method = !request.TryGetProperty("method", out var m) || m.ValueKind == JsonValueKind.Null ? "POST"
            : m.ValueKind == JsonValueKind.String ? m.GetString()!.ToUpperInvariant() : "";
        errors.Require(Methods.Contains(method), ValidationErrors.Member(path, "method"), "The method is one of GET, POST, PUT, PATCH, DELETE.");
        var sources = new List<string>();
        var url = Template(request, "url", path, errors, required: true, sources);
        var headers = new List<(string, IFluidTemplate)>();
        if (request.TryGetProperty("headers", out var headersJson) && headersJson.ValueKind != JsonValueKind.Null)
        {
            var headersPath = ValidationErrors.Member(path, "headers");
            if (headersJson.ValueKind != JsonValueKind.Object)
            {
                errors.Add(headersPath, "Headers are an object of names and (templated) values.");
            }
            else
            {
                foreach (var header in headersJson.EnumerateObject())
                {
                    var headerPath = ValidationErrors.Member(headersPath, header.Name);
                    if (!IsToken(header.Name) || ReservedHeaders.Contains(header.Name))
                    {
                        errors.Add(headerPath, "Not a header a mapping may set.");
                        continue;
                    }
                    if (header.Value.ValueKind != JsonValueKind.String || header.Value.GetString()!.Length > 4000 || header.Value.GetString()!.Any(char.IsControl))
                    {
                        errors.Add(headerPath, "A header value is a string of at most 4,000 characters, without control characters.");
                        continue;
                    }
                    if (Compile(header.Value.GetString()!, headerPath, errors, sources) is { } value)
                    {
                        headers.Add((header.Name, value));
                    }
                }
            }
        }
        var body = Template(request, "body", path, errors, required: false, sources);
        return errors.IsEmpty ? new MappingTemplate(method, url!, headers, body, sources.Any(s => s.Contains("traits", StringComparison.Ordinal))) : null;
    }

    public RenderedRequest Render(MappingContext context)
    {
        var template = new TemplateContext(s_options);
        template.SetValue("event", ToValue(context.Event) ?? new Dictionary<string, object?>());
        template.SetValue("traits", ToValue(context.Traits) ?? new Dictionary<string, object?>());
        if (context.Audience is { } audience)
        {
            template.SetValue("audience", ToValue(audience));
        }
        template.SetValue("destination", new Dictionary<string, object?> { ["id"] = context.DestinationId.ToString(), ["name"] = context.DestinationName });

        var url = _url.Render(template).Trim();
        var headers = _headers.Select(header => (header.Name, header.Value.Render(template).Trim())).ToList();
        string? body = null;
        if (_body is not null)
        {
            body = _body.Render(template).Trim();
            if (body.Length == 0)
            {
                body = null;
            }
            else
            {
                try
                {
                    using var _ = JsonDocument.Parse(body);
                }
                catch (JsonException exception)
                {
                    throw new MappingRenderException($"The body is not JSON once rendered: {exception.Message}");
                }
            }
        }
        return new RenderedRequest(Method, url, headers, body);
    }

    private static IFluidTemplate? Template(JsonElement request, string member, string path, ValidationErrors errors, bool required, List<string> sources)
    {
        var memberPath = ValidationErrors.Member(path, member);
        if (!request.TryGetProperty(member, out var json) || json.ValueKind == JsonValueKind.Null)
        {
            errors.Require(!required, memberPath, "A template is required.");
            return null;
        }
        // A body may also be given as JSON itself (with templates inside its strings), which is easier to write.
        var source = json.ValueKind == JsonValueKind.String ? json.GetString()! : member == "body" ? json.GetRawText() : null;
        if (source is null || source.Length > 64_000)
        {
            errors.Add(memberPath, "A template is a string of at most 64,000 characters.");
            return null;
        }
        return Compile(source, memberPath, errors, sources);
    }

    private static IFluidTemplate? Compile(string source, string path, ValidationErrors errors, List<string> sources)
    {
        if (!s_parser.TryParse(source, out var template, out var error))
        {
            errors.Add(path, $"Not a valid Liquid template: {error}");
            return null;
        }
        sources.Add(source);
        return template;
    }

    private static bool IsToken(string name) => name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    /// <summary>JSON as plain dictionaries, lists and scalars, which Liquid reads natively.</summary>
    private static object? ToValue(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToValue(p.Value)),
        JsonArray array => array.Select(ToValue).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => long.TryParse(node.ToJsonString(), out var whole) ? whole
                : decimal.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number
                : node.GetValue<double>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        },
    };
}

/// <summary>What a mapping's templates are rendered from.</summary>
internal sealed record MappingContext(JsonObject Event, JsonObject? Traits, JsonObject? Audience, Guid DestinationId, string DestinationName);

internal sealed record RenderedRequest(string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body);

/// <summary>A mapping that cannot produce a request for an event: a final failure of that delivery, never retried.</summary>
internal sealed class MappingRenderException(string message) : Exception(message);
