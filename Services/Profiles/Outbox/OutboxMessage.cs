using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Profiles.Outbox;

/// <summary>An integration event to publish once the transaction that wrote it commits; <see cref="ProfileIds"/> are the cached profiles it invalidates.</summary>
internal sealed record OutboxMessage(object Message, IReadOnlyCollection<Guid> ProfileIds)
{
    private static readonly Dictionary<string, Type> s_types = new[]
    {
        typeof(ProfileUpdated), typeof(ProfilesMerged), typeof(ProfilesUnmerged), typeof(ProfileDeleted), typeof(SubjectsSuppressed),
    }.ToDictionary(type => type.Name, StringComparer.Ordinal);

    public static Type TypeNamed(string name) => s_types.TryGetValue(name, out var type)
        ? type
        : throw new InvalidOperationException($"Unknown outbox message type '{name}'.");

    /// <summary>One statement inserting every message, for the batch of the transaction that produced them, in the current trace.</summary>
    public static NpgsqlBatchCommand Insert(IReadOnlyCollection<OutboxMessage> messages, DateTimeOffset at)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO outbox (message_type, payload, profile_ids, created_at, trace_parent)
            SELECT t, p::json, i::uuid[], $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS m(t, p, i)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Message.GetType().Name).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => JsonSerializer.Serialize(m.Message, m.Message.GetType(), JsonSerializerOptions.Web)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => "{" + string.Join(',', m.ProfileIds) + "}").ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)OutboxTracing.CurrentTraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }
}

/// <summary>A row read back from the outbox: its message and the trace it was written in.</summary>
internal sealed record PendingMessage(object Message, string? TraceParent);

/// <summary>What the relay publishes: one message, and the traces of the rows it carries (more than one when coalesced).</summary>
internal sealed record Publication(object Message, IReadOnlyList<string?> TraceParents);
