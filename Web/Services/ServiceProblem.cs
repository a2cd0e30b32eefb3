using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.Web.Services;

/// <summary>A service refused a request with an RFC 7807 problem: pages show its title, detail and field errors.</summary>
public sealed class ServiceProblem(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors,
    string? type = null, IReadOnlyDictionary<string, JsonElement>? extensions = null)
    : Exception(detail is null ? title : $"{title}: {detail}")
{
    /// <summary>The problem's type URI (e.g. <c>urn:alle:loyalty:already-checked-in-here</c>), telling refusals apart.</summary>
    public string? Type { get; } = type;

    /// <summary>The problem's other members (what a refusal names: a check-in, a time, a number).</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; } = extensions ?? new Dictionary<string, JsonElement>();

    public HttpStatusCode Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>The text to show a person: the detail when there is one, the field errors, else the title.</summary>
    public string Describe() => Errors.Count > 0
        ? string.Join(" ", Errors.SelectMany(e => e.Value))
        : Detail ?? Title;

    public static async Task<ServiceProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var title = response.ReasonPhrase ?? response.StatusCode.ToString();
        string? detail = null, type = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (body.ValueKind == JsonValueKind.Object)
            {
                if (body.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) { title = t.GetString()!; }
                if (body.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) { detail = d.GetString(); }
                if (body.TryGetProperty("type", out var k) && k.ValueKind == JsonValueKind.String) { type = k.GetString(); }
                foreach (var member in body.EnumerateObject().Where(m => m.Name is not ("title" or "detail" or "type" or "status" or "errors" or "instance")))
                {
                    extensions[member.Name] = member.Value.Clone();
                }
                if (body.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in e.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? [.. field.Value.EnumerateArray().Select(m => m.ToString())]
                            : [field.Value.ToString()];
                    }
                }
            }
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException)
        {
        }
        return new ServiceProblem(response.StatusCode, title, detail, errors, type, extensions);
    }
}

public static class ServiceResponses
{
    /// <summary>The body of a successful answer; a refusal becomes a <see cref="ServiceProblem"/>.</summary>
    public static async Task<T> ReadAsync<T>(this Task<HttpResponseMessage> sending, CancellationToken cancellationToken)
    {
        using var response = await sending;
        await response.EnsureAcceptedAsync(cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(cancellationToken))!;
    }

    /// <summary>The body, or null when the service answers 404.</summary>
    public static async Task<T?> ReadOrNullAsync<T>(this Task<HttpResponseMessage> sending, CancellationToken cancellationToken) where T : class
    {
        using var response = await sending;
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await response.EnsureAcceptedAsync(cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken);
    }

    public static async Task SucceedAsync(this Task<HttpResponseMessage> sending, CancellationToken cancellationToken)
    {
        using var response = await sending;
        await response.EnsureAcceptedAsync(cancellationToken);
    }

    public static async Task EnsureAcceptedAsync(this HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ServiceProblem.ReadAsync(response, cancellationToken);
        }
    }

    public static string Escape(string value) => Uri.EscapeDataString(value);
}
