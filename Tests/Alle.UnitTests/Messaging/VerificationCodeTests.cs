using Alle.Messaging.Verification;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Messaging;

/// <summary>The one-time code lifecycle: hashed, ten minutes, five checks then locked.</summary>
public sealed class VerificationCodeTests
{
    private const string Phone = "+15555550123";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 4, 2, 9, 0, 0, TimeSpan.Zero));

    private VerificationCheck.State NewVerification(string code, out Guid id)
    {
        id = Guid.NewGuid();
        return new VerificationCheck.State(id, Phone, VerificationCode.Hash(id, Phone, code), VerificationStatus.Pending, 0,
            _clock.GetUtcNow() + VerificationCode.Lifetime);
    }

    [Fact]
    public void Codes_are_six_digits_and_only_their_hash_is_kept()
    {
        var codes = Enumerable.Range(0, 200).Select(_ => VerificationCode.Generate()).ToList();

        Assert.All(codes, code => Assert.Matches("^[0-9]{6}$", code));
        Assert.True(codes.Distinct().Count() > 150);
        var id = Guid.NewGuid();
        var hash = VerificationCode.Hash(id, Phone, "123456");
        Assert.Equal(32, hash.Length);
        Assert.DoesNotContain("123456", Convert.ToHexString(hash), StringComparison.Ordinal);
        Assert.NotEqual(hash, VerificationCode.Hash(Guid.NewGuid(), Phone, "123456"));
        Assert.NotEqual(hash, VerificationCode.Hash(id, "+15555550124", "123456"));
    }

    [Fact]
    public void The_right_code_within_ten_minutes_is_approved()
    {
        var state = NewVerification("482913", out _);
        _clock.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59));

        var outcome = VerificationCheck.Evaluate(state, "482913", _clock.GetUtcNow());

        Assert.Equal(new VerificationCheck.Outcome(VerificationStatus.Approved, true, 1, VerificationStatus.Approved), outcome);
    }

    [Fact]
    public void A_code_expires_after_ten_minutes()
    {
        var state = NewVerification("482913", out _);
        _clock.Advance(VerificationCode.Lifetime);

        var outcome = VerificationCheck.Evaluate(state, "482913", _clock.GetUtcNow());

        Assert.False(outcome.Valid);
        Assert.Equal(VerificationStatus.Expired, outcome.Status);
        Assert.Equal(VerificationStatus.Expired, outcome.StoredStatus);
    }

    [Fact]
    public void Five_wrong_codes_lock_the_verification_so_even_the_right_code_then_fails()
    {
        var state = NewVerification("482913", out _);
        var statuses = new List<string>();
        for (var i = 0; i < VerificationCode.MaxChecks; i++)
        {
            var outcome = VerificationCheck.Evaluate(state, $"00000{i}", _clock.GetUtcNow());
            Assert.False(outcome.Valid);
            statuses.Add(outcome.Status);
            state = state with { Checks = outcome.Checks, Status = outcome.StoredStatus };
        }

        Assert.Equal(["pending", "pending", "pending", "pending", "max_attempts_reached"], statuses);
        var afterLock = VerificationCheck.Evaluate(state, "482913", _clock.GetUtcNow());
        Assert.Equal(new VerificationCheck.Outcome(VerificationStatus.MaxAttemptsReached, false, 5, VerificationStatus.MaxAttemptsReached), afterLock);
    }

    [Fact]
    public void The_fifth_check_may_still_be_the_right_one()
    {
        var state = NewVerification("482913", out _) with { Checks = 4 };

        Assert.True(VerificationCheck.Evaluate(state, "482913", _clock.GetUtcNow()).Valid);
    }

    [Fact]
    public void An_approved_or_superseded_code_cannot_be_used_again()
    {
        var state = NewVerification("482913", out _);

        Assert.False(VerificationCheck.Evaluate(state with { Status = VerificationStatus.Approved }, "482913", _clock.GetUtcNow()).Valid);
        Assert.False(VerificationCheck.Evaluate(state with { Status = VerificationStatus.Canceled }, "482913", _clock.GetUtcNow()).Valid);
    }

    [Fact]
    public void Checking_a_number_that_never_asked_answers_like_an_expired_code()
    {
        var outcome = VerificationCheck.Evaluate(null, "123456", _clock.GetUtcNow());

        Assert.Equal(VerificationStatus.Expired, outcome.Status);
        Assert.False(outcome.Valid);
    }

    [Theory]
    [InlineData("12345", false)]
    [InlineData("1234567", false)]
    [InlineData("12a456", false)]
    [InlineData("１２３４５６", false)]
    [InlineData(null, false)]
    [InlineData("012345", true)]
    public void Only_six_ascii_digits_are_a_code(string? code, bool wellFormed)
    {
        Assert.Equal(wellFormed, VerificationCode.IsWellFormed(code));
    }
}
