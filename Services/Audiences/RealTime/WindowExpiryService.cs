using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Audiences.Profiles;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Audiences.RealTime;

internal sealed class WindowExpiryOptions
{
    /// <summary>How often due profiles are looked for; a member leaves at most this long after her window ran out.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Re-evaluates profiles whose time-windowed results can change now that time passed (see <c>profile_due</c>), so a
/// member leaves an audience when the window that put her there runs out, without any new event. Each profile is
/// handled in its own transaction under its row lock; replicas skip profiles another one is handling.
/// </summary>
internal sealed class WindowExpiryService(
    NpgsqlDataSource dataSource,
    CatalogCache catalogs,
    ProfileEvaluator evaluator,
    WorkSignal<OutboxRelay> outbox,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<WindowExpiryOptions> options,
    ILogger<WindowExpiryService> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, clock);
        do
        {
            try
            {
                for (var round = 0; round < 20 && await ReevaluateDueAsync(stoppingToken) == BatchSize; round++)
                {
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Could not re-evaluate expiring windows; retrying.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <returns>How many due profiles were found.</returns>
    internal async Task<int> ReevaluateDueAsync(CancellationToken cancellationToken)
    {
        List<Guid> due;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            due = await connection.ListAsync("SELECT profile_id FROM profile_due WHERE due_at <= $1 ORDER BY due_at LIMIT $2",
                reader => reader.GetGuid(0), cancellationToken, clock.GetUtcNow(), BatchSize);
        }
        foreach (var profileId in due)
        {
            await ReevaluateAsync(profileId, cancellationToken);
        }
        return due.Count;
    }

    private async Task ReevaluateAsync(Guid profileId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The profile lock comes first, as on the real-time path; a profile another transaction holds is left for later.
        if (await ProfileStore.LockAsync(connection, profileId, skipLocked: true, cancellationToken) is not { } profile)
        {
            await connection.ExecuteAsync("DELETE FROM profile_due d WHERE d.profile_id = $1 AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.profile_id = $1)",
                cancellationToken, profileId);
            await transaction.CommitAsync(cancellationToken);
            return;
        }
        var stillDue = await connection.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM profile_due WHERE profile_id = $1 AND due_at <= $2)",
            cancellationToken, profileId, clock.GetUtcNow());
        if (!stillDue)
        {
            return;
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        await evaluator.EvaluateAsync(connection, catalog, profile, new ProfileChange { WindowsElapsed = true }, "window", cancellationToken);
        if (catalog.Windows.Count == 0)
        {
            await connection.ExecuteAsync("DELETE FROM profile_due WHERE profile_id = $1", cancellationToken, profileId);
        }
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }
}
