using System.ComponentModel.DataAnnotations;
using Alle.Platform.Identifiers;

namespace Alle.Web.Pages.Account;

/// <summary>A member's details as she types them, with the same rules when she joins and when she edits them.</summary>
public class MemberDetailsInput
{
    [Required(ErrorMessage = "Enter your first name."), StringLength(100)]
    public string? FirstName { get; set; }

    [Required(ErrorMessage = "Enter your last name."), StringLength(100)]
    public string? LastName { get; set; }

    [PlatformEmail(ErrorMessage = "Enter an e-mail address like name@example.com."), StringLength(EmailNormalizer.MaxLength)]
    public string? Email { get; set; }

    [DataType(DataType.Date)]
    public DateOnly? Birthday { get; set; }

    [RegularExpression("^[0-9]{5}$", ErrorMessage = "A zip code has five digits.")]
    public string? Zip { get; set; }
}
