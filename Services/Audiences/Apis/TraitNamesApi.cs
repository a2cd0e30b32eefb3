using Alle.Audiences.Profiles;
using Alle.Platform.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Audiences.Apis;

/// <summary>The trait keys profiles carry, with their JSON types: what trait conditions can name.</summary>
internal static class TraitNamesApi
{
    public static void MapTraitNamesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences/trait-names").RequirePermission(Permissions.AudiencesWrite);
        api.MapGet("/", ListAsync).WithSummary("Trait keys found on recently updated profiles, with their JSON types");
    }

    private static async Task<Ok<TraitNameList>> ListAsync(TraitNameStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new TraitNameList(await store.ListAsync(cancellationToken)));
}

internal sealed record TraitNameList(IReadOnlyList<TraitName> Data);
