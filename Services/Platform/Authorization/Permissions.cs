namespace Alle.Platform.Authorization;

/// <summary>
/// What an operator, an API key or the admin key may do on the admin APIs. Reads need <see cref="Read"/>; every change
/// needs the permission its endpoint group declares (<c>group.RequirePermission(Permissions.AudiencesWrite)</c>).
/// Phones and e-mails in answers are masked unless the caller has <see cref="PersonalDataRead"/>.
/// </summary>
public static class Permissions
{
    public const string Read = "read";
    public const string PersonalDataRead = "personal-data:read";
    public const string SourcesWrite = "sources:write";
    public const string ModelsWrite = "models:write";
    public const string DestinationsWrite = "destinations:write";
    public const string AudiencesWrite = "audiences:write";
    public const string JourneysWrite = "journeys:write";
    public const string MessagesWrite = "messages:write";
    public const string OffersWrite = "offers:write";
    public const string MembersWrite = "members:write";
    public const string OperationsWrite = "operations:write";
    public const string OperatorsManage = "operators:manage";

    public static readonly IReadOnlyList<string> All =
    [
        Read, PersonalDataRead, SourcesWrite, ModelsWrite, DestinationsWrite, AudiencesWrite, JourneysWrite, MessagesWrite,
        OffersWrite, MembersWrite, OperationsWrite, OperatorsManage,
    ];

    public static bool IsKnown(string permission) => All.Contains(permission, StringComparer.Ordinal);

    public static string PolicyName(string permission) => $"permission:{permission}";
}

/// <summary>The four operator roles and the permissions each one holds.</summary>
public static class OperatorRoles
{
    public const string Owner = "owner";
    public const string Developer = "developer";
    public const string Marketer = "marketer";
    public const string Analyst = "analyst";

    public static readonly IReadOnlyList<string> All = [Owner, Developer, Marketer, Analyst];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);

    public static IReadOnlyList<string> PermissionsOf(string role) => role switch
    {
        Owner => Permissions.All,
        Developer => [Permissions.Read, Permissions.PersonalDataRead, Permissions.SourcesWrite, Permissions.ModelsWrite,
            Permissions.DestinationsWrite, Permissions.OperationsWrite],
        Marketer => [Permissions.Read, Permissions.PersonalDataRead, Permissions.AudiencesWrite, Permissions.JourneysWrite,
            Permissions.MessagesWrite, Permissions.OffersWrite],
        Analyst => [Permissions.Read],
        _ => [],
    };
}
