namespace Alle.TwilioSandbox.Phones;

/// <summary>
/// Every message the sandbox carried, by SID and by phone number, and the numbers that texted STOP. Kept in memory: the
/// sandbox is a development stand-in, and restarting it starts a clean phone network. The oldest messages are dropped
/// beyond <see cref="Capacity"/>.
/// </summary>
internal sealed class MessageBook
{
    public const int Capacity = 50_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SandboxMessage> _bySid = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private readonly HashSet<string> _optedOut = new(StringComparer.Ordinal);

    public void Add(SandboxMessage message)
    {
        lock (_lock)
        {
            _bySid[message.Sid] = message;
            _order.AddLast(message.Sid);
            while (_order.Count > Capacity)
            {
                _bySid.Remove(_order.First!.Value);
                _order.RemoveFirst();
            }
        }
    }

    public SandboxMessage? Find(string sid)
    {
        lock (_lock)
        {
            return _bySid.GetValueOrDefault(sid);
        }
    }

    public SandboxMessage? Update(string sid, Func<SandboxMessage, SandboxMessage> change)
    {
        lock (_lock)
        {
            if (!_bySid.TryGetValue(sid, out var current))
            {
                return null;
            }
            return _bySid[sid] = change(current);
        }
    }

    /// <summary>Messages to or from a number, newest first.</summary>
    public IReadOnlyList<SandboxMessage> ForPhone(string phone, int limit = 200)
    {
        lock (_lock)
        {
            return [.. _order.Reverse().Select(sid => _bySid[sid]).Where(m => m.To == phone || m.From == phone).Take(limit)];
        }
    }

    public IReadOnlyList<SandboxMessage> List(string? to, string? from, int limit)
    {
        lock (_lock)
        {
            return [.. _order.Reverse().Select(sid => _bySid[sid]).Where(m => (to is null || m.To == to) && (from is null || m.From == from)).Take(limit)];
        }
    }

    /// <summary>Numbers seen, with their message count and last activity.</summary>
    public IReadOnlyList<(string Phone, int Count, DateTimeOffset Last)> Phones()
    {
        lock (_lock)
        {
            return [.. _bySid.Values
                .SelectMany(m => new[] { (Phone: m.Direction == SandboxMessage.Inbound ? m.From : m.To, m.DateUpdated) })
                .GroupBy(p => p.Phone)
                .Select(g => (g.Key, g.Count(), g.Max(p => p.DateUpdated)))
                .OrderByDescending(p => p.Item3)];
        }
    }

    public bool IsOptedOut(string phone)
    {
        lock (_lock)
        {
            return _optedOut.Contains(phone);
        }
    }

    public void SetOptedOut(string phone, bool optedOut)
    {
        lock (_lock)
        {
            if (optedOut)
            {
                _optedOut.Add(phone);
            }
            else
            {
                _optedOut.Remove(phone);
            }
        }
    }
}
