using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Loyalty.Storage;

/// <summary>Runs a unit of work in one transaction; facts it wrote to the outbox are relayed as soon as it commits.</summary>
internal sealed class LoyaltyDatabase(NpgsqlDataSource dataSource, WorkSignal<OutboxRelay> outboxSignal)
{
    public NpgsqlDataSource DataSource => dataSource;

    public async Task<T> InTransactionAsync<T>(Func<NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(transaction);
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        return result;
    }
}
