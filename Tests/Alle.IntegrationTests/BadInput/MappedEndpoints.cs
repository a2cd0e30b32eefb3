using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Alle.IntegrationTests.BadInput;

/// <summary>An endpoint a service maps: its method (<c>PAGE</c> for a Razor page, which takes any method) and route template.</summary>
internal sealed record MappedEndpoint(string Service, string Method, string Route, string? Permission = null)
{
    public override string ToString() => $"{Service} {Method} {Route}";
}

/// <summary>
/// The endpoints each service really maps, read from its <see cref="EndpointDataSource"/> after its own Program.cs ran
/// (in memory, see <see cref="InMemoryService"/>): a new <c>Map…</c> call anywhere shows up here without anyone listing it.
/// </summary>
internal static class MappedEndpoints
{
    public static IReadOnlyList<MappedEndpoint> Of(string service)
    {
        using var host = InMemoryService.Start(service);
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        return [.. endpoints
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<PageActionDescriptor>() is not null
                ? ["PAGE"]
                : endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"],
                (endpoint, method) => new MappedEndpoint(service, method, "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/'),
                    endpoint.Metadata.GetMetadata<Alle.Platform.Authorization.RequiredPermission>()?.Permission))
            .Distinct()
            .OrderBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)];
    }
}
