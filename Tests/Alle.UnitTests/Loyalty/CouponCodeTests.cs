using Alle.Loyalty.Offers;

namespace Alle.UnitTests.Loyalty;

public sealed class CouponCodeTests
{
    [Fact]
    public void Codes_are_grouped_use_only_unambiguous_characters_and_carry_a_valid_check_character()
    {
        for (var i = 0; i < 1000; i++)
        {
            var code = CouponCode.Generate();
            Assert.Matches("^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$", code);
            Assert.DoesNotContain(code, c => c is '0' or 'O' or '1' or 'I' or 'L');
            Assert.Equal(code, CouponCode.Normalize(code));
        }
    }

    [Fact]
    public void Codes_do_not_repeat_and_are_not_sequential()
    {
        var codes = Enumerable.Range(0, 20_000).Select(_ => CouponCode.Generate()).ToList();

        Assert.Equal(codes.Count, codes.Distinct().Count());
        // Random codes spread over the alphabet in every position, where a counter would leave the leading ones fixed.
        Assert.True(codes.Select(code => code[0]).Distinct().Count() > 25);
    }

    [Fact]
    public void Typed_codes_are_accepted_in_any_case_with_or_without_separators()
    {
        var code = CouponCode.Generate();

        Assert.Equal(code, CouponCode.Normalize(code.ToLowerInvariant()));
        Assert.Equal(code, CouponCode.Normalize(code.Replace("-", "", StringComparison.Ordinal)));
        Assert.Equal(code, CouponCode.Normalize(" " + code.Replace('-', ' ') + " "));
    }

    [Fact]
    public void Every_single_mistyped_character_is_caught()
    {
        var compact = CouponCode.Generate().Replace("-", "", StringComparison.Ordinal);
        for (var position = 0; position < compact.Length; position++)
        {
            foreach (var replacement in CouponCode.Alphabet.Where(c => c != compact[position]))
            {
                var typo = compact[..position] + replacement + compact[(position + 1)..];
                Assert.Null(CouponCode.Normalize(typo));
            }
        }
    }

    [Fact]
    public void Every_swap_of_two_neighbouring_characters_is_caught()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var compact = CouponCode.Generate().Replace("-", "", StringComparison.Ordinal);
            for (var position = 0; position < compact.Length - 1; position++)
            {
                if (compact[position] == compact[position + 1])
                {
                    continue;
                }
                var swapped = compact[..position] + compact[position + 1] + compact[position] + compact[(position + 2)..];
                Assert.Null(CouponCode.Normalize(swapped));
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ABCD-EFGH-JKM")]
    [InlineData("ABCD-EFGH-JKMNP")]
    [InlineData("ABCD-EFGH-JK0N")]
    [InlineData("'; DROP TABLE coupons; --")]
    public void Malformed_codes_are_refused(string? typed) => Assert.Null(CouponCode.Normalize(typed));
}
