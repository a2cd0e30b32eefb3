namespace Alle.Testing.Accounting;

/// <summary>What became of one thing sent (an event, a fact, a text), as a fault test judges it.</summary>
public enum DeliveryOutcome
{
    /// <summary>Stored exactly once, whether or not the sender heard back (a timed-out request may still have landed).</summary>
    Stored,

    /// <summary>Acknowledged, never stored.</summary>
    Lost,

    /// <summary>Stored more than once.</summary>
    Duplicated,

    /// <summary>Stored, never sent.</summary>
    Unexpected,

    /// <summary>Neither acknowledged nor stored: the sender was told (or left) to try again, and nothing was promised.</summary>
    NotAcknowledged,

    /// <summary>
    /// Acknowledged and not stored, where the system itself recorded that it could not know whether it completed (a
    /// text already on its way to the provider when the process died): counted apart from <see cref="Lost"/>.
    /// </summary>
    InDoubt,
}

/// <summary>One line of a fault table: how everything sent during one fault was classified where it was checked.</summary>
public sealed record DeliveryTally(
    string Fault,
    string CheckedIn,
    long Sent,
    long Acknowledged,
    long Stored,
    long Lost,
    long Duplicated,
    long Unexpected,
    long InDoubt = 0,
    TimeSpan? Recovery = null)
{
    /// <summary>Nothing lost, doubled or made up.</summary>
    public bool Holds => Lost == 0 && Duplicated == 0 && Unexpected == 0;

    /// <summary>
    /// The same classification for things known only by how many there should be per key (e.g. an event counter per
    /// profile): a shortfall is lost, an excess duplicated, and a count under a key nobody expected unexpected.
    /// </summary>
    public static DeliveryTally OfCounts(string fault, string checkedIn, IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> observed)
    {
        long sent = 0, stored = 0, lost = 0, duplicated = 0;
        foreach (var (key, count) in expected)
        {
            var seen = observed.GetValueOrDefault(key);
            sent += count;
            stored += Math.Min(count, seen);
            lost += Math.Max(0, count - seen);
            duplicated += Math.Max(0, seen - count);
        }
        var unexpected = observed.Where(o => !expected.ContainsKey(o.Key)).Sum(o => o.Value);
        return new DeliveryTally(fault, checkedIn, sent, sent, stored, lost, duplicated, unexpected);
    }
}

/// <summary>
/// Jepsen-style accounting of deliveries: record what was sent (and during which fault), what was acknowledged, and
/// what a store holds, by id; then classify each id (<see cref="DeliveryOutcome"/>) and tally per fault. Thread-safe,
/// so concurrent senders can record into one ledger. Holds no I/O: the caller reads the stores.
/// </summary>
public sealed class DeliveryLedger
{
    /// <summary>The fault an id is attributed to when it was stored without ever being sent.</summary>
    public const string NeverSent = "(never sent)";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _faults = [];

    private sealed class Entry(string fault)
    {
        public string Fault { get; set; } = fault;
        public bool Sent { get; set; }
        public bool Acknowledged { get; set; }
        public bool InDoubt { get; set; }
        public long Copies { get; set; }
    }

    /// <summary>Records an id as sent during <paramref name="fault"/>; sending it again (a retry) keeps its first fault.</summary>
    public void Sent(string id, string fault)
    {
        lock (_lock)
        {
            var entry = EntryFor(id, fault);
            if (!entry.Sent)
            {
                entry.Sent = true;
                entry.Fault = fault;
                Name(fault);
            }
        }
    }

    public void Acknowledged(string id)
    {
        lock (_lock)
        {
            EntryFor(id, NeverSent).Acknowledged = true;
        }
    }

    /// <summary>The system recorded that it cannot know whether this one completed (see <see cref="DeliveryOutcome.InDoubt"/>).</summary>
    public void InDoubt(string id)
    {
        lock (_lock)
        {
            EntryFor(id, NeverSent).InDoubt = true;
        }
    }

    /// <summary>
    /// Adds <paramref name="copies"/> found in the store. An id never sent is attributed to <paramref name="fault"/> when
    /// the caller can tell (e.g. from the id's prefix), else to <see cref="NeverSent"/>.
    /// </summary>
    public void Stored(string id, long copies = 1, string? fault = null)
    {
        lock (_lock)
        {
            var entry = EntryFor(id, fault ?? NeverSent);
            entry.Copies += copies;
        }
    }

    public DeliveryOutcome Classify(string id)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(id, out var entry) ? Classify(entry) : DeliveryOutcome.NotAcknowledged;
        }
    }

    /// <summary>The ids with an outcome, e.g. the lost ones for a failure message.</summary>
    public IReadOnlyList<string> Having(DeliveryOutcome outcome)
    {
        lock (_lock)
        {
            return [.. _entries.Where(e => Classify(e.Value) == outcome).Select(e => e.Key).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>One line per fault, in the order the faults were first named; unexpected ids of no fault get their own line.</summary>
    public IReadOnlyList<DeliveryTally> Tally(string checkedIn)
    {
        lock (_lock)
        {
            var tallies = new List<DeliveryTally>();
            foreach (var fault in _faults)
            {
                var entries = _entries.Values.Where(e => e.Fault == fault).ToList();
                if (fault == NeverSent && entries.All(e => Classify(e) != DeliveryOutcome.Unexpected))
                {
                    continue;
                }
                var outcomes = entries.Select(Classify).ToList();
                tallies.Add(new DeliveryTally(fault, checkedIn,
                    Sent: entries.Count(e => e.Sent),
                    Acknowledged: entries.Count(e => e.Sent && e.Acknowledged),
                    Stored: entries.Count(e => e.Sent && e.Copies > 0),
                    Lost: outcomes.Count(o => o == DeliveryOutcome.Lost),
                    Duplicated: outcomes.Count(o => o == DeliveryOutcome.Duplicated),
                    Unexpected: outcomes.Count(o => o == DeliveryOutcome.Unexpected),
                    InDoubt: outcomes.Count(o => o == DeliveryOutcome.InDoubt)));
            }
            return tallies;
        }
    }

    private Entry EntryFor(string id, string fault)
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            _entries[id] = entry = new Entry(fault);
            Name(fault);
        }
        return entry;
    }

    private void Name(string fault)
    {
        if (!_faults.Contains(fault))
        {
            _faults.Add(fault);
        }
    }

    private static DeliveryOutcome Classify(Entry entry) => entry switch
    {
        { Sent: false, Copies: > 0 } => DeliveryOutcome.Unexpected,
        { Copies: > 1 } => DeliveryOutcome.Duplicated,
        { Copies: 1 } => DeliveryOutcome.Stored,
        { Acknowledged: true, InDoubt: true } => DeliveryOutcome.InDoubt,
        { Acknowledged: true } => DeliveryOutcome.Lost,
        _ => DeliveryOutcome.NotAcknowledged,
    };
}
