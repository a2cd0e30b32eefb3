namespace Alle.Platform.Identifiers;

/// <summary>A phone number as shown back to its owner: only the last four digits, enough to recognise which number a text went to.</summary>
public static class PhoneNumberMask
{
    public static string Of(string phone) => phone.Length <= 4 ? "••••" : new string('•', phone.Length - 4) + phone[^4..];
}
