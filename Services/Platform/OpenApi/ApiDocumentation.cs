using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Alle.Platform.OpenApi;

/// <summary>
/// Each service's OpenAPI document (<c>{prefix}/openapi/v1.json</c>) and an interactive reference (<c>{prefix}/docs</c>),
/// both under the service's gateway prefix so they are reachable through the gateway. Served in development, or
/// wherever <c>OpenApi:Enabled</c> is true. Every operation gets its summary, its credentials and the problem responses
/// the platform's conventions give it (see <see cref="OperationConventions"/>).
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentName = "v1";

    public static TBuilder AddApiDocumentation<TBuilder>(this TBuilder builder, string title, string description) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton(new ApiDocumentationTitle(title));
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = title, Version = DocumentName, Description = description };
                // Paths are absolute and the gateway serves every service from its own origin.
                document.Servers = [new OpenApiServer { Url = "/" }];
                // Operations were renamed into other tags (see OperationConventions): keep only the tags in use.
                var used = document.Paths.Values.SelectMany(path => path.Operations?.Values.AsEnumerable() ?? [])
                    .SelectMany(operation => operation.Tags?.AsEnumerable() ?? []).Select(tag => tag.Name).ToHashSet();
                foreach (var unused in document.Tags?.Where(tag => !used.Contains(tag.Name)).ToList() ?? [])
                {
                    document.Tags!.Remove(unused);
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer<OperationConventions>();
        });
        return builder;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app, string prefix)
    {
        if (!app.Environment.IsDevelopment() && !app.Configuration.GetValue<bool>("OpenApi:Enabled"))
        {
            return app;
        }
        var documentPattern = $"{prefix}/openapi/{{documentName}}.json";
        app.MapOpenApi(documentPattern).ExcludeFromDescription();
        app.MapScalarApiReference($"{prefix}/docs", options => options
            .WithTitle(app.Services.GetRequiredService<ApiDocumentationTitle>().Title)
            .WithOpenApiRoutePattern(documentPattern))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Names the credential an endpoint checks itself (not through an authorization policy).</summary>
    public static TBuilder RequiresCredential<TBuilder>(this TBuilder builder, string credential) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new CredentialMetadata(credential));
}

/// <summary>Endpoint metadata: the credential a handler checks by itself.</summary>
public sealed record CredentialMetadata(string Credential);

internal sealed record ApiDocumentationTitle(string Title);
