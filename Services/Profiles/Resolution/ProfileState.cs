using Alle.Contracts;
using Alle.Profiles.Traits;

namespace Alle.Profiles.Resolution;

/// <summary>A profile row as a batch changes it in memory before writing it back.</summary>
internal sealed class ProfileState
{
    public required Guid Id { get; init; }
    public required DateTimeOffset CreatedAt { get; set; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public required TraitSet Traits { get; init; }
    public Guid? MergedInto { get; set; }
    public required string FirstMessageId { get; set; }
    public required string FirstSourceId { get; set; }
    public required string LastMessageId { get; set; }
    public required string LastSourceId { get; set; }
    public bool Changed { get; set; }

    public static ProfileState New(Guid id, TrackedEvent first, DateTimeOffset now) => new()
    {
        Id = id,
        CreatedAt = now,
        UpdatedAt = now,
        Traits = new TraitSet(),
        FirstMessageId = first.MessageId,
        FirstSourceId = first.SourceId,
        LastMessageId = first.MessageId,
        LastSourceId = first.SourceId,
        Changed = true,
    };

    /// <summary>Takes an absorbed profile in: traits (newest per trait) and the older creation.</summary>
    public Dictionary<string, System.Text.Json.JsonElement> Absorb(ProfileState absorbed)
    {
        if (absorbed.CreatedAt < CreatedAt)
        {
            CreatedAt = absorbed.CreatedAt;
            FirstMessageId = absorbed.FirstMessageId;
            FirstSourceId = absorbed.FirstSourceId;
        }
        absorbed.MergedInto = Id;
        absorbed.Changed = true;
        Changed = true;
        return Traits.MergeFrom(absorbed.Traits);
    }
}
