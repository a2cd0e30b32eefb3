using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Alle.Platform.Authorization;

/// <summary>The permission an endpoint requires, as declared by its group; the 403 problem names it.</summary>
public sealed record RequiredPermission(string Permission);

public static class PermissionConventions
{
    /// <summary>
    /// Declares what an admin endpoint group needs: reading (GET, HEAD) needs <paramref name="read"/> (every role has
    /// <see cref="Permissions.Read"/>), anything else needs <paramref name="write"/> and is written to the audit log.
    /// Answers to callers without <see cref="Permissions.PersonalDataRead"/> have their phones and e-mails masked.
    /// </summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string write, string read = Permissions.Read)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!Permissions.IsKnown(write) || !Permissions.IsKnown(read))
        {
            throw new ArgumentException($"Unknown permission '{write}' or '{read}'.");
        }
        builder.Add(endpoint =>
        {
            var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().SelectMany(metadata => metadata.HttpMethods).ToList();
            var reads = methods.Count > 0 && methods.All(method => method is "GET" or "HEAD");
            var permission = reads ? read : write;
            endpoint.Metadata.Add(new RequiredPermission(permission));
            endpoint.Metadata.Add(new AuthorizeAttribute(Permissions.PolicyName(permission)));
            if (permission != Permissions.PersonalDataRead)
            {
                endpoint.FilterFactories.Add((_, next) => PersonalDataMasking.FilterAsync(next));
            }
            if (!reads)
            {
                endpoint.FilterFactories.Add((_, next) => Audit.AuditFilter.Create(next));
            }
        });
        return builder;
    }
}
