using System.ComponentModel.DataAnnotations;
using Alle.Platform.Identifiers;

namespace Alle.Web.Pages.Account;

/// <summary>
/// A member's details as she types them, with the same rules when she joins and when she edits them. Messages are
/// plain words shown beside the field; a name over the limit is refused with the limit stated, never cut — which is why
/// lengths are checked in <see cref="Check"/> rather than with <c>[StringLength]</c>, whose <c>maxlength</c> attribute
/// would make the browser cut a pasted name without a word.
/// </summary>
public class MemberDetailsInput
{
    public const int MaxNameLength = 100;

    [Display(Name = "first name")]
    [Required(ErrorMessage = "Enter your first name.")]
    public string? FirstName { get; set; }

    [Display(Name = "last name")]
    [Required(ErrorMessage = "Enter your last name.")]
    public string? LastName { get; set; }

    [Display(Name = "e-mail")]
    [PlatformEmail(ErrorMessage = "Enter an e-mail address like name@example.com.")]
    public string? Email { get; set; }

    [Display(Name = "date of birth")]
    [DataType(DataType.Date)]
    public DateOnly? Birthday { get; set; }

    [Display(Name = "zip code")]
    [RegularExpression("^[0-9]{5}$", ErrorMessage = "A zip code has five digits, like 10001.")]
    public string? Zip { get; set; }

    /// <summary>Rules the attributes do not say: the limits on names, and that members are adults born after 1900.</summary>
    public IEnumerable<(string Field, string Message)> Check(DateOnly today)
    {
        if (FirstName?.Length > MaxNameLength)
        {
            yield return (nameof(FirstName), $"Your first name can be at most {MaxNameLength} characters long (this one has {FirstName.Length}).");
        }
        if (LastName?.Length > MaxNameLength)
        {
            yield return (nameof(LastName), $"Your last name can be at most {MaxNameLength} characters long (this one has {LastName.Length}).");
        }
        if (Email?.Length > 254)
        {
            yield return (nameof(Email), "An e-mail address can be at most 254 characters long.");
        }
        if (Birthday is { } birthday && (birthday <= new DateOnly(1900, 1, 1) || birthday > today.AddYears(-18)))
        {
            yield return (nameof(Birthday), birthday > today ? "Your date of birth cannot be in the future." : "Members must be 18 or older.");
        }
    }
}
