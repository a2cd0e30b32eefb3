using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http;

namespace Alle.Platform.Authorization;

/// <summary>
/// Phones and e-mail addresses in an admin API's answer, masked for callers without
/// <see cref="Permissions.PersonalDataRead"/> (analysts): <c>+15551234567</c> → <c>••••••••4567</c>
/// (<see cref="PhoneNumberMask"/>), <c>jane@example.com</c> → <c>j•••@example.com</c>. The audit log keeps only masked text.
/// </summary>
public static partial class PersonalDataMasking
{
    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\w+])\+\d(?:[\s().-]{0,2}\d){6,14}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    public static string Mask(string text) => PhonePattern().Replace(
        EmailPattern().Replace(text, match => $"{match.Value[0]}•••{match.Value[match.Value.IndexOf('@', StringComparison.Ordinal)..]}"),
        match => PhoneNumberMask.Of(match.Value));

    /// <summary>A JSON document with every string value (and property name) masked; other text masked as it is.</summary>
    public static string MaskDocument(string text)
    {
        try
        {
            return JsonNode.Parse(text) is { } node ? MaskNode(node)?.ToJsonString() ?? text : Mask(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return Mask(text);
        }
    }

    private static JsonNode? MaskNode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var masked = new JsonObject();
                foreach (var (name, child) in obj.ToList())
                {
                    obj.Remove(name);
                    masked[Mask(name)] = MaskNode(child);
                }
                return masked;
            case JsonArray array:
                var items = array.ToList();
                array.Clear();
                var copy = new JsonArray();
                foreach (var item in items)
                {
                    copy.Add(MaskNode(item));
                }
                return copy;
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                return JsonValue.Create(Mask(value.GetValue<string>()));
            default:
                return node;
        }
    }

    internal static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        return context.HttpContext.User.HasPermission(Permissions.PersonalDataRead) ? result : new MaskedResult(result);
    }

    internal static EndpointFilterDelegate FilterAsync(EndpointFilterDelegate next) => context => FilterAsync(context, next);

    /// <summary>Runs the endpoint's own result into a buffer, then writes it masked.</summary>
    private sealed class MaskedResult(object? inner) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            var original = response.Body;
            using var buffer = new MemoryStream();
            response.Body = buffer;
            try
            {
                var result = inner switch
                {
                    IResult r => r,
                    string text => TypedResults.Text(text),
                    null => TypedResults.Empty,
                    _ => Results.Json(inner),
                };
                await result.ExecuteAsync(httpContext);
            }
            finally
            {
                response.Body = original;
            }
            var body = Encoding.UTF8.GetString(buffer.ToArray());
            var masked = response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true ? MaskDocument(body) : Mask(body);
            var bytes = Encoding.UTF8.GetBytes(masked);
            response.ContentLength = bytes.Length;
            await original.WriteAsync(bytes, httpContext.RequestAborted);
        }
    }
}
