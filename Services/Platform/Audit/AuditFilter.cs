using System.Text;
using System.Text.Json;
using Alle.Platform.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alle.Platform.Audit;

/// <summary>
/// Records every successful change through an admin endpoint: the actor, the route and path, the answer's status,
/// before (what the GET on the same route answered just before the change, when there is one) and after (the bound
/// request and the value answered), masked. A change whose record cannot be written is still answered — and logged.
/// </summary>
internal static class AuditFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterDelegate next) => async context =>
    {
        var http = context.HttpContext;
        var before = http.Request.Method is "PUT" or "PATCH" or "DELETE" ? await ReadCurrentAsync(http) : null;
        var result = await next(context);
        var answered = Unwrap(result);
        var status = answered is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        if (status is >= 200 and < 300 && http.User.Actor() is { } actor)
        {
            var after = Describe(context, answered);
            var endpoint = http.GetEndpoint() as RouteEndpoint;
            var action = $"{http.Request.Method} {endpoint?.RoutePattern.RawText ?? http.Request.Path.Value}";
            try
            {
                var resource = AuditRedaction.ResourceWithoutPersonIds(http.Request.Path.Value ?? "", endpoint?.RoutePattern);
                await http.RequestServices.GetRequiredService<AuditLog>().RecordAsync(actor, action, resource, status, before, after,
                    CancellationToken.None);
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditFilter))
                    .LogError(exception, "Audit record of {Action} by {ActorKind} {ActorId} could not be written", action, actor.Kind, actor.Id);
            }
        }
        return result;
    };

    /// <summary>The result inside a <c>Results&lt;…&gt;</c> union.</summary>
    private static object? Unwrap(object? result) => result is INestedHttpResult nested ? Unwrap(nested.Result) : result;

    private static string? Describe(EndpointFilterInvocationContext context, object? result)
    {
        var isService = context.HttpContext.RequestServices.GetService<IServiceProviderIsService>();
        var request = context.Arguments
            .Where(argument => argument is not null and not CancellationToken and not HttpContext and not HttpRequest and not HttpResponse
                && !(isService?.IsService(argument.GetType()) ?? false)
                && (argument.GetType().IsPrimitive || argument is string or Guid || argument.GetType().Namespace?.StartsWith("Alle.", StringComparison.Ordinal) == true))
            .ToList();
        // A handler's arguments include its route values: the ones that name a person are written as the path writes them.
        var personValues = context.HttpContext.Request.RouteValues
            .Where(route => AuditRedaction.NamesAPerson(route.Key) && route.Value is not null)
            .Select(route => Convert.ToString(route.Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet(StringComparer.Ordinal);
        request = [.. request.Select(argument => argument is string text && personValues.Contains(text) ? AuditRedaction.Redacted : argument)];
        var value = result is IValueHttpResult { Value: { } answered } ? answered : null;
        try
        {
            return JsonSerializer.Serialize(new { request, result = value }, JsonSerializerOptions.Web);
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>What the route's own GET answers now, run in process for the same caller; null when there is none.</summary>
    private static async Task<string?> ReadCurrentAsync(HttpContext http)
    {
        if (http.GetEndpoint() is not RouteEndpoint changing)
        {
            return null;
        }
        var reading = http.RequestServices.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .FirstOrDefault(endpoint => endpoint.RoutePattern.RawText == changing.RoutePattern.RawText
                && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET") == true);
        if (reading?.RequestDelegate is null)
        {
            return null;
        }
        var probe = new DefaultHttpContext { RequestServices = http.RequestServices, User = http.User };
        probe.Request.Method = HttpMethods.Get;
        probe.Request.Path = http.Request.Path;
        probe.Request.RouteValues = new RouteValueDictionary(http.Request.RouteValues);
        using var body = new MemoryStream();
        probe.Response.Body = body;
        probe.SetEndpoint(reading);
        try
        {
            await reading.RequestDelegate(probe);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return null;
        }
        return probe.Response.StatusCode is >= 200 and < 300 ? Encoding.UTF8.GetString(body.ToArray()) : null;
    }
}
