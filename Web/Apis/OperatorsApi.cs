using Alle.Platform.Audit;
using Alle.Platform.Authentication;
using Alle.Platform.Authorization;
using Alle.Web.Operators;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Web.Apis;

public sealed record CreateOperatorRequest(string Email, string Role, string Password);

public sealed record UpdateOperatorRequest(string? Role, bool? Disabled);

/// <param name="Phone">Her proven phone, masked (<c>•••• 0142</c>), or null.</param>
/// <param name="SecondFactor">Sign-in asks for a code texted to that phone after the password.</param>
public sealed record OperatorResponse(Guid Id, string Email, string Role, bool Disabled, bool Locked, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt,
    string? Phone, bool SecondFactor);

public sealed record CreateApiKeyRequest(string Name, string[] Scopes);

public sealed record CreatedApiKeyResponse(Guid Id, string Name, string[] Scopes, string Key, string LastFour);

public sealed record ExchangeRequest(string Key);

public sealed record ExchangeResponse(string Token);

/// <summary>
/// Operators and API keys for owners (<c>operators:manage</c>), Web's audit log, and the gateway's exchange of an API
/// key for an operator token (admin key only). Each change is written to the audit log by <see cref="OperatorAccounts"/>
/// and <see cref="ApiKeys"/>, the same code the console's pages use.
/// </summary>
public static class OperatorsApi
{
    public static void MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/console")
            .RequireAuthorization(Permissions.PolicyName(Permissions.OperatorsManage))
            .WithMetadata(new RequiredPermission(Permissions.OperatorsManage));
        api.MapGet("/operators", ListOperatorsAsync).WithSummary("List operators with their roles");
        api.MapPost("/operators", CreateOperatorAsync).WithSummary("Add an operator with a role and a first password")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPatch("/operators/{id:guid}", UpdateOperatorAsync).WithSummary("Change an operator's role, or disable the account");
        api.MapDelete("/operators/{id:guid}/second-factor", ResetSecondFactorAsync)
            .WithSummary("Reset an operator's second factor: her phone is forgotten and sign-in asks for the password alone");
        api.MapGet("/api-keys", (ApiKeys keys, CancellationToken cancellationToken) => keys.ListAsync(cancellationToken))
            .WithSummary("List API keys: name, scopes, last four characters, creator, last use").WithTags("Operators");
        api.MapPost("/api-keys", CreateApiKeyAsync).WithSummary("Create a scoped API key (shown once)");
        api.MapDelete("/api-keys/{id:guid}", RevokeApiKeyAsync).WithSummary("Revoke an API key");
        app.MapAuditLogApi("/api/console");

        app.MapPost("/internal/api-keys/exchange", ExchangeAsync).WithSummary("Exchange an API key for a short-lived operator token (the gateway's call)").RequireAuthorization(AdminKeyAuthentication.Policy);
    }

    private static async Task<Ok<List<OperatorResponse>>> ListOperatorsAsync(OperatorStore store, TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAsync(cancellationToken)).Select(account => Describe(account, clock.GetUtcNow())).ToList());

    private static async Task<Results<Created<OperatorResponse>, ValidationProblem, ProblemHttpResult>> CreateOperatorAsync(
        CreateOperatorRequest request, HttpContext context, OperatorAccounts accounts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!OperatorEmail.IsValid(request.Email))
        {
            errors["email"] = ["Enter an e-mail address such as name@example.com."];
        }
        if (!OperatorRoles.IsKnown(request.Role))
        {
            errors["role"] = [$"role must be one of {string.Join(", ", OperatorRoles.All)}."];
        }
        if (PasswordRules.Problem(request.Password) is { } passwordProblem)
        {
            errors["password"] = [passwordProblem];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var account = await accounts.CreateAsync(context.User.Actor()!, request.Email, request.Role, request.Password, cancellationToken);
        return account is null
            ? TypedResults.Problem(statusCode: 409, title: "An operator with this e-mail exists.")
            : TypedResults.Created($"/api/console/operators/{account.Id}", Describe(account, clock.GetUtcNow()));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> UpdateOperatorAsync(
        Guid id, UpdateOperatorRequest request, HttpContext context, OperatorAccounts accounts, CancellationToken cancellationToken)
    {
        if (request.Role is not null && !OperatorRoles.IsKnown(request.Role))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"role must be one of {string.Join(", ", OperatorRoles.All)}."] });
        }
        return await accounts.UpdateAsync(context.User.Actor()!, id, request.Role, request.Disabled, cancellationToken) switch
        {
            null => TypedResults.NoContent(),
            "There is no such operator." => TypedResults.Problem(statusCode: 404, title: "There is no such operator."),
            var problem => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [problem] }),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetSecondFactorAsync(Guid id, HttpContext context, SecondFactor secondFactor,
        CancellationToken cancellationToken) =>
        await secondFactor.ResetAsync(context.User.Actor()!, id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 404, title: "There is no such operator.");

    private static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem>> CreateApiKeyAsync(CreateApiKeyRequest request, HttpContext context,
        ApiKeys keys, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            errors["name"] = ["Name the key (at most 100 characters)."];
        }
        var scopes = ApiKeys.ReadScopes(request.Scopes ?? []);
        if (scopes is null)
        {
            errors["scopes"] = [$"scopes are permissions ({string.Join(", ", Permissions.All)}) or roles ({string.Join(", ", OperatorRoles.All)}), at least one."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var (info, key) = await keys.CreateAsync(context.User.Actor()!, request.Name.Trim(), scopes!, cancellationToken);
        return TypedResults.Created($"/api/console/api-keys/{info.Id}", new CreatedApiKeyResponse(info.Id, info.Name, info.Scopes, key, info.LastFour));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKeyAsync(Guid id, HttpContext context, ApiKeys keys,
        CancellationToken cancellationToken) =>
        await keys.RevokeAsync(context.User.Actor()!, id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 404, title: "There is no such key, or it was revoked already.");

    private static async Task<Results<Ok<ExchangeResponse>, ProblemHttpResult>> ExchangeAsync(ExchangeRequest request, ApiKeys keys, CancellationToken cancellationToken) =>
        await keys.ExchangeAsync(request.Key ?? "", cancellationToken) is { } token
            ? TypedResults.Ok(new ExchangeResponse(token))
            : TypedResults.Problem(statusCode: 401, title: "Authentication required", detail: "The API key is not valid or was revoked.");

    private static OperatorResponse Describe(OperatorAccount account, DateTimeOffset now) =>
        new(account.Id, account.Email, account.Role, account.DisabledAt is not null, account.IsLocked(now), account.CreatedAt, account.LastSignInAt,
            account.Phone is null ? null : OperatorPhone.Masked(account.Phone), account.NeedsCode);
}
