using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Bad input is answered with an RFC 7807 problem in every environment, and refused before it reaches a handler where
/// the framework can tell: request bodies that are not JSON of the endpoint's shape (malformed, truncated, too deep,
/// members of the wrong type or unknown to the endpoint), text no database can hold (NUL, invalid UTF-8, lone
/// surrogates), query values of the wrong type, wrong content types and bodies over the limit. A service's pipeline
/// answers them with <c>UseExceptionHandler()</c> and gives bodiless refusals (an unmatched route) a problem with
/// <c>UseStatusCodePages()</c>.
/// </summary>
public static partial class ProblemResponses
{
    /// <summary>
    /// The gateway's own limit: it answers 413 before a larger body reaches a service (a smaller limit here would make
    /// the gateway see a reset connection instead of the service's answer). Field lengths are validated on top of it.
    /// </summary>
    public const long MaxRequestBodyBytes = 4 * 1024 * 1024;

    public static TBuilder AddProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddProblemDetails();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Development throws binding failures and production answers a bodiless 400: both become the same problem here.
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // A misspelt member would otherwise be dropped silently and the request carried out without it.
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.SerializerOptions.Converters.Add(new StorableStringConverter());
            json.SerializerOptions.Converters.Add(new StorableJsonElementConverter());
        });
        return builder;
    }

    /// <summary>Throws when a string cannot be stored as text: PostgreSQL refuses NUL in text and in jsonb.</summary>
    internal static string Storable(string value) => value.Contains('\0', StringComparison.Ordinal)
        ? throw new JsonException("Text may not contain NUL characters (\\u0000).")
        : value;

    /// <summary>
    /// Throws <see cref="JsonException"/> when any string or member name of <paramref name="element"/> is not text that
    /// can be stored: invalid UTF-8, a lone surrogate (both would throw only when first read) or NUL.
    /// </summary>
    public static void EnsureStorable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Storable(Read(element.GetString));
                break;
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    Storable(Read(() => member.Name));
                    EnsureStorable(member.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    EnsureStorable(item);
                }
                break;
        }
    }

    /// <summary>
    /// The same for a document parsed from <paramref name="utf8Json"/>, cheaply: raw NUL bytes are already invalid JSON,
    /// so only a body that is not UTF-8 or that has \u escapes (NUL, surrogates) needs a closer look.
    /// </summary>
    public static void EnsureStorable(ReadOnlySpan<byte> utf8Json, JsonElement parsed)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            throw new JsonException("Text must be valid UTF-8.");
        }
        if (utf8Json.IndexOf("\\u"u8) >= 0)
        {
            EnsureStorable(parsed);
        }
    }

    private static string Read(Func<string?> read)
    {
        try
        {
            return read() ?? "";
        }
        catch (InvalidOperationException exception)
        {
            throw new JsonException($"Text must be valid UTF-8 without lone surrogates ({exception.Message.TrimEnd('.')}).", exception);
        }
    }

    private sealed class StorableStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("Expected a string.");
            }
            var text = reader.GetString()!;
            return Storable(text);
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Storable(reader.GetString()!);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
    }

    private sealed class StorableJsonElementConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var element = JsonElement.ParseValue(ref reader);
            EnsureStorable(element);
            return element;
        }

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);
    }

    /// <summary>
    /// Unreadable requests (<see cref="BadHttpRequestException"/>: malformed bodies, wrong types, wrong content types,
    /// bodies too large) become a problem with the status the framework chose and what was wrong where; text that
    /// reached the database and could not be held (NUL in a query value or a form field) becomes a 400 too.
    /// </summary>
    private sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var (status, title, detail) = exception switch
            {
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, "Request body too large",
                    $"Request bodies are limited to {MaxRequestBodyBytes / 1024 / 1024} MiB."),
                BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } badRequest => (415, "Unsupported media type", badRequest.Message),
                BadHttpRequestException { InnerException: JsonException json } badRequest => (badRequest.StatusCode, "Malformed request body", Describe(json)),
                BadHttpRequestException badRequest => (badRequest.StatusCode, "Malformed request", badRequest.Message),
                DbException { SqlState: "22021" or "22P05" } => (400, "Unstorable text",
                    "The request contains text that cannot be stored or searched for (a NUL character or invalid Unicode)."),
                _ => (0, "", ""),
            };
            if (status == 0)
            {
                return false;
            }
            httpContext.Response.StatusCode = status;
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = { Status = status, Title = title, Detail = detail },
                Exception = exception,
            });
        }

        /// <summary>What is wrong and where, without the .NET type names System.Text.Json's messages carry.</summary>
        private static string Describe(JsonException json)
        {
            var where = json.Path is { Length: > 0 } path ? $" at {path}" : "";
            var position = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
            if (UnmappedMember().Match(json.Message) is { Success: true } unmapped)
            {
                return $"'{unmapped.Groups[1].Value}'{where} is not a member this endpoint takes.";
            }
            var reason = json.Message.Split(" Path: ", 2)[0].Split(" LineNumber: ", 2)[0].Trim().TrimEnd('|').Trim();
            if (reason.Contains("System.", StringComparison.Ordinal) || reason.Contains("Alle.", StringComparison.Ordinal) || reason.Length == 0)
            {
                reason = "The value has the wrong type for this member.";
            }
            return $"The body is not JSON of the expected shape{where}{position}: {reason}";
        }

        [GeneratedRegex("The JSON property '(.*?)' could not be mapped")]
        private static partial Regex UnmappedMember();
    }
}
