using Alle.Messaging.Integrations;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Messaging.Journeys;

/// <summary>
/// Enrols an audience's current members into a journey that asks for it (<c>trigger.enrolCurrentMembers</c>) once the
/// journey is active: pages through Audiences' member list, entering each under the journey's entry policy, and keeps
/// its place after each page, so a restart resumes where it stopped (an entry already made is recognised by its
/// trigger key, <c>enrol:{journey}:{profile}</c>).
/// </summary>
internal sealed class JourneyEnrolment(
    NpgsqlDataSource dataSource,
    JourneyStore journeys,
    JourneyEntries entries,
    IServiceScopeFactory scopes,
    WorkSignal<JourneyEnrolment> signal,
    WorkSignal<JourneyRunner> runner,
    TimeProvider clock,
    ILogger<JourneyEnrolment> logger) : BackgroundService
{
    private const int PageSize = 500;
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await EnrolNextPageAsync(stoppingToken))
                {
                    continue;
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or HttpRequestException or TaskCanceledException or TimeoutException
                                              && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Enrolling current audience members failed; retrying");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            await signal.WaitAsync(s_poll, clock, stoppingToken);
        }
    }

    /// <summary>Enrols one page of one journey's audience; false when no journey is waiting for it.</summary>
    public async Task<bool> EnrolNextPageAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // An advisory lock, not a row lock: entries inserted meanwhile (on other connections) take a key-share lock on the
        // journey's row for their foreign key, which a FOR UPDATE held here would block until this transaction ended.
        var pending = await connection.ListAsync("""
            SELECT id, enrolment_after FROM journeys
            WHERE enrolment_pending AND status = 'active' AND pg_try_advisory_xact_lock(hashtextextended('journey-enrolment:' || id::text, 0))
            ORDER BY created_at LIMIT 1
            """, reader => (Id: reader.GetGuid(0), After: reader.IsDBNull(1) ? (Guid?)null : reader.GetGuid(1)), cancellationToken);
        if (pending.Count == 0 || await journeys.GetAsync(pending[0].Id, cancellationToken) is not { } journey)
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var page = await scope.ServiceProvider.GetRequiredService<AudiencesClient>()
            .MembersAsync(journey.Definition.Trigger.AudienceKey!, pending[0].After, PageSize, cancellationToken);
        var entered = await entries.TryEnterManyAsync(
            [.. (page?.Data ?? []).Select(member => (journey, new EntryRequest(member.ProfileId, member.UserId, $"enrol:{journey.Id:N}:{member.ProfileId:N}", null)))],
            cancellationToken);
        var done = page?.Next is null;
        await connection.ExecuteAsync("UPDATE journeys SET enrolment_pending = $2, enrolment_after = $3 WHERE id = $1",
            cancellationToken, journey.Id, !done, Sql.Uuid(page?.Next));
        await transaction.CommitAsync(cancellationToken);
        if (entered > 0)
        {
            runner.Notify();
        }
        logger.LogInformation("Journey {JourneyId}: {Entered} current members of its audience enrolled{Done}", journey.Id, entered, done ? " (done)" : "");
        return true;
    }
}
