namespace Alle.Profiles.Identity;

/// <summary>The identifier types the platform itself produces; any other type may arrive through <c>context.externalIds</c>.</summary>
internal static class IdentifierTypes
{
    public const string UserId = "user_id";
    public const string AnonymousId = "anonymous_id";
    public const string Email = "email";
    public const string Phone = "phone";
}
