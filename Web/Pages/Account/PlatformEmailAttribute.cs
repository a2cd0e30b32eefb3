using System.ComponentModel.DataAnnotations;
using Alle.Platform.Identifiers;

namespace Alle.Web.Pages.Account;

/// <summary>An e-mail address by the platform's one rule (<see cref="EmailNormalizer"/>), so the portal never passes on an address Loyalty refuses.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class PlatformEmailAttribute : ValidationAttribute
{
    // Empty is valid, as with [EmailAddress]: [Required] decides whether a value must be given.
    public override bool IsValid(object? value) => value is null || value is string { Length: 0 } || (value is string email && EmailNormalizer.Normalize(email) is not null);
}
