using Alle.Platform.Authorization;
using Alle.Platform.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Alle.Platform.Audit;

public static class AuditExtensions
{
    public const int MaxLimit = 1_000;

    /// <summary>The service's audit log in database <paramref name="connectionName"/> (its table migrated at start).</summary>
    public static IHostApplicationBuilder AddAuditLog(this IHostApplicationBuilder builder, string connectionName, bool keyed = false)
    {
        builder.AddDatabaseMigrations(connectionName, keyed, typeof(AuditLog).Assembly, folder: "Audit.Migrations", historyTable: "audit_schema_history");
        var service = builder.Environment.ApplicationName.Replace("Alle.", "", StringComparison.Ordinal).ToLowerInvariant();
        builder.Services.AddSingleton(services => new AuditLog(keyed
            ? services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName)
            : services.GetRequiredService<NpgsqlDataSource>(), service));
        return builder;
    }

    /// <summary><c>GET {prefix}/audit?actor=&amp;q=&amp;from=&amp;to=&amp;limit=</c>: the service's audit log, newest first (owners).</summary>
    public static RouteGroupBuilder MapAuditLogApi(this IEndpointRouteBuilder app, string prefix)
    {
        var api = app.MapGroup(prefix).RequirePermission(Permissions.OperatorsManage, read: Permissions.OperatorsManage);
        api.MapGet("/audit", SearchAsync).WithSummary("Search the service's audit log: who changed what, when").WithTags("Audit");
        return api;
    }

    private static async Task<Results<Ok<List<AuditEntry>>, ValidationProblem>> SearchAsync(AuditLog log, CancellationToken cancellationToken,
        string? actor = null, string? q = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int limit = 100)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {MaxLimit}."] });
        }
        return TypedResults.Ok(await log.SearchAsync(new AuditQuery(Blank(actor), Blank(q), from, to, limit), cancellationToken));
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
