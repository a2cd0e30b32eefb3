using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Audiences.Batch;

/// <summary>
/// Runs pending full computations: computed-trait backfills first (audiences may use their values), then audiences.
/// Requests are rows in the database (<c>backfill_requested_at</c>, <c>compute_requested_at</c>), so a restart resumes
/// them and replicas share them.
/// </summary>
internal sealed class ComputationWorker(
    ComputedTraitBackfill backfill,
    AudienceComputation computation,
    WorkSignal<ComputationWorker> signal,
    TimeProvider clock,
    ILogger<ComputationWorker> logger) : BackgroundService
{
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await backfill.BackfillNextAsync(stoppingToken) || await computation.ComputeNextAsync(stoppingToken))
                {
                    continue;
                }
                await signal.WaitAsync(s_poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogError(exception, "A full computation failed; it stays requested and is retried.");
                await Task.Delay(s_poll, clock, stoppingToken);
            }
        }
    }
}
