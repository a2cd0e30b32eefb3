namespace Alle.Loyalty.CheckIns;

/// <summary>A check-in refused, with the one that stands in its way and when a new one becomes possible.</summary>
internal abstract record CheckInRefusal(CheckIn Existing, DateTimeOffset AllowedFrom)
{
    /// <summary>She checked in here already within the repeat interval.</summary>
    public sealed record AlreadyHere(CheckIn Existing, DateTimeOffset AllowedFrom) : CheckInRefusal(Existing, AllowedFrom);

    /// <summary>She is checked in at another provider (a visit lasts the visit length).</summary>
    public sealed record Elsewhere(CheckIn Existing, DateTimeOffset AllowedFrom) : CheckInRefusal(Existing, AllowedFrom);
}

/// <summary>
/// One visit at a time: a check-in stands for <see cref="CheckInOptions.VisitLength"/>, during which she cannot check in
/// elsewhere, and she cannot check in at the same provider again within <see cref="CheckInOptions.RepeatInterval"/> —
/// so one visit never earns two Flash Rewards.
/// </summary>
internal static class CheckInRules
{
    /// <param name="recent">Her latest check-ins, newest first.</param>
    public static CheckInRefusal? Refusal(IEnumerable<CheckIn> recent, string providerId, DateTimeOffset now, CheckInOptions options)
    {
        foreach (var previous in recent)
        {
            if (previous.ProviderId == providerId && previous.CheckedInAt + options.RepeatInterval > now)
            {
                return new CheckInRefusal.AlreadyHere(previous, previous.CheckedInAt + options.RepeatInterval);
            }
            if (previous.ProviderId != providerId && previous.CheckedInAt + options.VisitLength > now)
            {
                return new CheckInRefusal.Elsewhere(previous, previous.CheckedInAt + options.VisitLength);
            }
        }
        return null;
    }
}
