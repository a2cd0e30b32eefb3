namespace Alle.Web.Pages.SignIn;

/// <summary>The consent texts shown on the join form; what the member saw and ticked is sent to Loyalty's enrolment word for word.</summary>
public static class ConsentWording
{
    public const string Transactional =
        "Allē will text sign-in codes and account alerts to this number. Message and data rates may apply. Reply STOP to opt out, HELP for help.";

    public const string Marketing =
        "Yes, text me offers and rewards from Allē at this number (up to 3 a week, never between 9 pm and 8 am). Consent is not a condition of membership. Message and data rates may apply. Reply STOP to opt out.";

    /// <summary>The exact wording as the member saw it, with her choice on the marketing box.</summary>
    public static string AsShown(bool marketing) => $"{Transactional}\n[{(marketing ? "x" : " ")}] {Marketing}";
}
