using System.ComponentModel.DataAnnotations;

namespace Alle.Web.Pages.Account;

/// <summary>
/// A member's details as she types them, with the same rules when she joins and when she edits them. Messages are
/// plain words shown beside the field; a name over the limit is refused with the limit stated, never cut.
/// </summary>
public class MemberDetailsInput
{
    public const int MaxNameLength = 100;

    [Display(Name = "first name")]
    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(MaxNameLength, ErrorMessage = "Your first name can be at most {1} characters long.")]
    public string? FirstName { get; set; }

    [Display(Name = "last name")]
    [Required(ErrorMessage = "Enter your last name.")]
    [StringLength(MaxNameLength, ErrorMessage = "Your last name can be at most {1} characters long.")]
    public string? LastName { get; set; }

    [Display(Name = "e-mail")]
    [EmailAddress(ErrorMessage = "Enter an e-mail address like name@example.com.")]
    [StringLength(254, ErrorMessage = "An e-mail address can be at most {1} characters long.")]
    public string? Email { get; set; }

    [Display(Name = "date of birth")]
    [DataType(DataType.Date)]
    public DateOnly? Birthday { get; set; }

    [Display(Name = "zip code")]
    [RegularExpression("^[0-9]{5}$", ErrorMessage = "A zip code has five digits, like 10001.")]
    public string? Zip { get; set; }

    /// <summary>Rules the attributes cannot say: members are adults, born this century or the last.</summary>
    public IEnumerable<(string Field, string Message)> Check(DateOnly today)
    {
        if (Birthday is { } birthday && (birthday <= new DateOnly(1900, 1, 1) || birthday > today.AddYears(-18)))
        {
            yield return (nameof(Birthday), birthday > today ? "Your date of birth cannot be in the future." : "Members must be 18 or older.");
        }
    }
}
