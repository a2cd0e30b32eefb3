using Alle.Ingestion.EventSchema;
using Alle.Ingestion.Sources;
using Alle.Platform.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Ingestion.Apis;

/// <summary>The event schema: per source, the events seen with their properties' JSON types, for pickers such as the audience builder's.</summary>
internal static class EventSchemaApi
{
    public static IEndpointRouteBuilder MapEventSchemaApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/ingestion/schema").WithTags("Event schema").RequirePermission(Permissions.SourcesWrite);
        api.MapGet("/", GetAsync).WithSummary("Events seen per source with their properties' JSON types, counts and first/last seen");
        return app;
    }

    private static async Task<Results<Ok<EventSchemaResponse>, ProblemHttpResult>> GetAsync(string? sourceId, EventSchemaStore store, SourceStore sources,
        CancellationToken cancellationToken)
    {
        if (sourceId is not null && await sources.FindAsync(sourceId, cancellationToken) is null)
        {
            return SourcesApi.NotFound(sourceId);
        }
        return TypedResults.Ok(new EventSchemaResponse(await store.ReadAsync(sourceId, cancellationToken)));
    }
}

internal sealed record EventSchemaResponse(IReadOnlyList<SourceSchema> Sources);
