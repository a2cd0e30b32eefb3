using Alle.Platform.Identifiers;

namespace Alle.Web.Operators;

/// <summary>Operators' e-mail addresses are read as the platform reads every e-mail.</summary>
public static class OperatorEmail
{
    public static bool IsValid(string? email) => EmailNormalizer.Normalize(email) is not null;
}
