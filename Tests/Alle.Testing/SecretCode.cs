using System.Text.RegularExpressions;
using Xunit;

namespace Alle.Testing;

/// <summary>
/// Asserts that a one-time code does not show in a page, an export or telemetry. A plain substring search is wrong
/// there: six digits turn up by chance inside timestamps, phone numbers and trace ids (a trace listing holds hundreds
/// of thousands of digits), so the code counts only where it stands alone, not inside a longer run of letters or digits.
/// </summary>
public static class SecretCode
{
    public static void AssertHidden(string code, string content, string where)
    {
        var match = Regex.Match(content, $"(?<![0-9A-Za-z]){Regex.Escape(code)}(?![0-9A-Za-z])", RegexOptions.CultureInvariant);
        if (match.Success)
        {
            var around = content[Math.Max(0, match.Index - 120)..Math.Min(content.Length, match.Index + match.Length + 120)];
            Assert.Fail($"the code shows in {where}: …{around}…");
        }
    }
}
