using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.Hosting;

/// <summary>
/// The dashboard: one page listing every resource with state, health, endpoints and restarts, its console output
/// streamed live, and stop/start/restart. Bound to loopback and guarded by a token printed at start (it shows secrets).
/// </summary>
internal static class DashboardApi
{
    public const string TokenParameterName = "dashboard-token";
    private const string CookieName = "alle-dashboard";

    public static void MapDashboard(this WebApplication app)
    {
        app.MapGet("/login", (string? t, HttpContext context, ParameterResource token) =>
        {
            if (t is null || !Matches(t, token.Value))
            {
                return Results.Text("Open the dashboard with the URL the AppHost printed at start (it carries the sign-in token).", statusCode: 401);
            }
            context.Response.Cookies.Append(CookieName, t, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
            return Results.Redirect("/");
        });

        var dashboard = app.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            var token = context.HttpContext.RequestServices.GetRequiredService<ParameterResource>().Value;
            var request = context.HttpContext.Request;
            var presented = request.Cookies[CookieName]
                ?? (request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null);
            return presented is not null && Matches(presented, token)
                ? await next(context)
                : Results.Problem(statusCode: 401, title: "Dashboard token required", detail: "Use the dashboard URL the AppHost printed at start.");
        });

        dashboard.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        dashboard.MapGet("/api/resources", GetResources);
        dashboard.MapGet("/api/resources/{name}/logs", StreamLogs);
        dashboard.MapPost("/api/resources/{name}/{action}", Control);
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DashboardApi).Assembly.GetManifestResourceStream("dashboard.html")!;
        return new StreamReader(stream).ReadToEnd();
    });

    private static Ok<DashboardView> GetResources(Orchestrator orchestrator, DistributedApplicationModel model) => TypedResults.Ok(new DashboardView(
        [.. orchestrator.Snapshots()],
        [.. model.Resources.OfType<ParameterResource>().Where(p => p.Name != TokenParameterName).Select(p => new Credential(p.Label, p.Value))],
        [.. model.Resources.OfType<IResourceWithConnectionString>().Select(r => new Credential(r.Name, r.ConnectionString.GetValue()))]));

    private static async Task StreamLogs(string name, HttpContext context, Orchestrator orchestrator, IHostApplicationLifetime lifetime)
    {
        if (orchestrator.Find(name) is not { } runner)
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            await foreach (var line in runner.Log.FollowAsync(stop.Token))
            {
                var payload = JsonSerializer.Serialize(line, JsonSerializerOptions.Web);
                await context.Response.WriteAsync($"data: {payload}\n\n", stop.Token);
                await context.Response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<Results<Accepted, NotFound, BadRequest<string>>> Control(string name, string action, Orchestrator orchestrator)
    {
        if (orchestrator.Find(name) is not { } runner)
        {
            return TypedResults.NotFound();
        }

        Task operation = action switch
        {
            "stop" => runner.StopAsync(),
            "start" => runner.ResumeAsync(),
            "restart" => runner.RestartAsync(),
            _ => Task.FromException(new ArgumentException(action)),
        };
        if (operation.IsFaulted)
        {
            return TypedResults.BadRequest("Actions are stop, start and restart.");
        }
        await operation;
        return TypedResults.Accepted($"/api/resources/{name}");
    }

    private static bool Matches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    internal sealed record Credential(string Name, string Value);

    internal sealed record DashboardView(IReadOnlyList<ResourceSnapshot> Resources, IReadOnlyList<Credential> Credentials, IReadOnlyList<Credential> ConnectionStrings);
}
