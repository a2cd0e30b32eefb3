using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Profiles.Caching;

namespace Alle.Profiles.Outbox;

/// <summary>
/// Profiles' part in the relay's bus deliveries: the cached profiles a pass names are invalidated before any of its
/// messages is published, so a consumer of <c>ProfileUpdated</c> that reads the Profile API sees the update; and
/// consecutive updates go out together.
/// </summary>
internal sealed class ProfileOutboxHooks(ProfileCache cache) : IOutboxBusHooks
{
    internal const int UpdatesPerMessage = 500;

    public async Task BeforePublishingAsync(IReadOnlyList<PendingOutboxMessage> messages, CancellationToken cancellationToken) =>
        await cache.InvalidateAsync(messages.SelectMany(message => OutboxMessage.ProfilesOf(message.Message)).Distinct());

    public IEnumerable<OutboxPublication> Plan(IReadOnlyList<PendingOutboxMessage> messages) => Coalesce(messages);

    /// <summary>
    /// Consecutive <see cref="ProfileUpdated"/> go out together as <see cref="ProfilesUpdated"/> (up to
    /// <see cref="UpdatesPerMessage"/>): per-message work in the broker and in every consumer was the largest cost of
    /// resolving events. An update on its own is published as it is.
    /// </summary>
    internal static IEnumerable<OutboxPublication> Coalesce(IEnumerable<PendingOutboxMessage> messages)
    {
        var run = new List<PendingOutboxMessage>();
        foreach (var message in messages)
        {
            if (message.Message is ProfileUpdated)
            {
                run.Add(message);
                if (run.Count == UpdatesPerMessage)
                {
                    yield return Together(run);
                    run = [];
                }
                continue;
            }
            if (run.Count > 0)
            {
                yield return Together(run);
                run = [];
            }
            yield return new OutboxPublication(message.Message, [message]);
        }
        if (run.Count > 0)
        {
            yield return Together(run);
        }
    }

    private static OutboxPublication Together(List<PendingOutboxMessage> run) => new(
        run.Count == 1 ? run[0].Message : new ProfilesUpdated([.. run.Select(row => (ProfileUpdated)row.Message)]),
        run);
}
