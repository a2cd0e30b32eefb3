using Alle.Platform.Authorization;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Alle.Platform.OpenApi;

/// <summary>
/// What every operation states the same way: a summary (named on the endpoint, or read from its handler's name), the
/// credentials it takes (from its authorization policies' schemes, or <see cref="CredentialMetadata"/>), and the problem
/// responses the platform's conventions give — 400 for a malformed body or parameter, 413 past the 4 MiB body limit,
/// 401/403 for missing or insufficient credentials, 404 for an unknown id in the path.
/// </summary>
internal sealed class OperationConventions(IAuthorizationPolicyProvider policies, IAuthenticationSchemeProvider schemes) : IOpenApiOperationTransformer
{
    private const string ProblemSchema = "ProblemDetails";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        operation.Summary ??= metadata.OfType<MethodInfo>().Select(SummaryOf).FirstOrDefault(summary => summary is not null);
        if (metadata.OfType<RequiredPermission>().LastOrDefault() is { } permission)
        {
            var requires = $"Requires the permission `{permission.Permission}` (see the roles and API key scopes in Web's README).";
            operation.Description = operation.Description is null ? requires : $"{operation.Description}\n\n{requires}";
        }

        var document = context.Document!;
        NameTags(operation, document);
        document.Components ??= new OpenApiComponents();
        if (document.Components.Schemas?.ContainsKey(ProblemSchema) != true)
        {
            document.AddComponent(ProblemSchema, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken));
        }

        var credentials = await CredentialsAsync(metadata);
        foreach (var credential in credentials)
        {
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes.TryAdd(credential.Id, credential.Scheme);
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(credential.Id, document)] = [] });
        }

        operation.Responses ??= new OpenApiResponses();
        var parameters = description.ParameterDescriptions;
        var hasBody = parameters.Any(p => p.Source?.Id is "Body" or "Form" or "FormFile") || description.SupportedRequestFormats.Count > 0;
        if (hasBody || parameters.Any(p => p.Source?.Id is "Query" or "Path"))
        {
            AddProblem(operation, document, "400", hasBody
                ? "The body is malformed, has a value of the wrong type, or fails validation; the problem names what was wrong where."
                : "A parameter is missing, malformed or out of range.");
        }
        if (hasBody)
        {
            AddProblem(operation, document, "413", "The body is larger than the 4 MiB the platform accepts.");
        }
        if (credentials.Count > 0)
        {
            AddProblem(operation, document, "401", "No credential, or one that is not valid.");
            AddProblem(operation, document, "403", "The credential is valid but lacks the permission this operation needs (the problem names it).");
        }
        if (parameters.Any(p => p.Source?.Id == "Path"))
        {
            AddProblem(operation, document, "404", "Nothing with the id in the path exists (or it belongs to someone else).");
        }
    }

    /// <summary>Endpoints grouped without a tag are tagged by their class ("ModelRunsApi"): say it as a reader would ("Model runs").</summary>
    private static void NameTags(OpenApiOperation operation, OpenApiDocument document)
    {
        if (operation.Tags is not { Count: > 0 } tags || !tags.Any(tag => tag.Name?.EndsWith("Api", StringComparison.Ordinal) == true))
        {
            return;
        }
        var names = tags.Select(tag => tag.Name!).Select(name => name.EndsWith("Api", StringComparison.Ordinal) ? SummaryOf(name[..^3]) ?? name : name).ToList();
        operation.Tags = new HashSet<OpenApiTagReference>(names.Select(name => new OpenApiTagReference(name, document)));
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var name in names.Where(name => !document.Tags.Any(tag => tag.Name == name)))
        {
            document.Tags.Add(new OpenApiTag { Name = name });
        }
    }

    private async Task<List<(string Id, OpenApiSecurityScheme Scheme)>> CredentialsAsync(IList<object> metadata)
    {
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return [];
        }
        var names = new List<string>();
        foreach (var authorize in metadata.OfType<IAuthorizeData>())
        {
            var policy = authorize.Policy is null ? await policies.GetDefaultPolicyAsync() : await policies.GetPolicyAsync(authorize.Policy);
            names.AddRange(policy?.AuthenticationSchemes ?? []);
            if (policy is { AuthenticationSchemes.Count: 0 } && await schemes.GetDefaultAuthenticateSchemeAsync() is { } fallback)
            {
                names.Add(fallback.Name);
            }
        }
        names.AddRange(metadata.OfType<AuthorizationPolicy>().SelectMany(policy => policy.AuthenticationSchemes));
        names.AddRange(metadata.OfType<CredentialMetadata>().Select(credential => credential.Credential));
        return [.. names.Distinct(StringComparer.Ordinal).SelectMany(ApiCredentials.For).DistinctBy(credential => credential.Id)];
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument document, string status, string description) =>
        operation.Responses!.TryAdd(status, new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
            },
        });

    /// <summary>"GetTraitsAsync" → "Get traits"; null for a lambda, whose compiler-made name says nothing.</summary>
    internal static string? SummaryOf(MethodInfo handler) =>
        SummaryOf(handler.Name.EndsWith("Async", StringComparison.Ordinal) ? handler.Name[..^5] : handler.Name);

    internal static string? SummaryOf(string name)
    {
        if (name.Length == 0 || !char.IsLetter(name[0]) || name.Contains('<'))
        {
            return null;
        }
        var summary = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var startsWord = i > 0 && char.IsUpper(c) && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (startsWord)
            {
                summary.Append(' ');
            }
            // Acronyms (SMS, CSV) keep their capitals; ordinary words are lower case after the first.
            var inAcronym = char.IsUpper(c) && ((i + 1 < name.Length && char.IsUpper(name[i + 1])) || (i > 0 && char.IsUpper(name[i - 1]) && (i + 1 == name.Length || !char.IsLower(name[i + 1]))));
            summary.Append(i == 0 || inAcronym ? c : char.ToLowerInvariant(c));
        }
        return summary.ToString();
    }
}
