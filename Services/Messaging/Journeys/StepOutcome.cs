using System.Text.Json;

namespace Alle.Messaging.Journeys;

/// <summary>What running one step decided for the entry.</summary>
internal abstract record StepOutcome
{
    /// <summary>Left the step by <paramref name="Outcome"/> (<c>next</c>, <c>yes</c>, a path's name…) towards <paramref name="Next"/> (null: the end).</summary>
    public sealed record Advance(string Outcome, JourneyStep? Next, object? Detail = null, Guid? MessageId = null, string? Reason = null) : StepOutcome;

    /// <summary>Stays at the step until <paramref name="Until"/> (or until the event <paramref name="WaitEvent"/> arrives).</summary>
    public sealed record Wait(string Status, DateTimeOffset Until, string? WaitEvent = null, object? Detail = null) : StepOutcome;

    /// <summary>The entry ends here with <paramref name="Status"/> and <paramref name="Reason"/>.</summary>
    public sealed record Finish(string Status, string Reason, string Outcome, object? Detail = null) : StepOutcome;

    /// <summary>The person cannot be reached for this step yet: <paramref name="Missing"/> says what she lacks.</summary>
    public sealed record NeedContact(string Missing) : StepOutcome;

    /// <summary>A service the step needs did not answer: the same step is tried again later.</summary>
    public sealed record RetryLater(string Reason) : StepOutcome;
}

/// <summary>An entry as the runner holds it during one pass (its row locked).</summary>
internal sealed class EntryState
{
    public required Guid Id { get; init; }
    public required Guid JourneyId { get; init; }
    public required int Version { get; init; }
    public required Guid ProfileId { get; init; }
    public required DateTimeOffset EnteredAt { get; init; }
    public string? UserId { get; set; }
    public JsonElement? TriggerProperties { get; init; }
    public int Attempts { get; set; }
    public string? StepId { get; set; }
    public DateTimeOffset StepAt { get; set; }
    public string Status { get; set; } = EntryStatus.Waiting;
    public DateTimeOffset DueAt { get; set; }
    public string? WaitEvent { get; set; }
    public DateTimeOffset? ContactSince { get; set; }
    public JsonElement? Coupon { get; set; }
    public JsonElement? WaitedEvent { get; set; }
    public string? Path { get; set; }
    public string? Reason { get; set; }
    public Guid? LastMessageId { get; set; }
    public int Seq { get; set; }
    public bool? StillMember { get; init; }

    public bool IsFinished => !EntryStatus.Live.Contains(Status);

    /// <summary>The entry as it is now, to fall back to when a pass over it fails half-way.</summary>
    public EntryState Copy() => (EntryState)MemberwiseClone();
}
