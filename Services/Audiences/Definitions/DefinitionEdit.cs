using Alle.Audiences.Storage;
using Npgsql;

namespace Alle.Audiences.Definitions;

/// <summary>
/// One change to definitions: a transaction holding the catalog lock, so keys, references and cycles are checked against
/// a catalog no one else is changing. Disposed without <see cref="CommitAsync"/>, nothing it did is kept.
/// </summary>
internal sealed class DefinitionEdit : IAsyncDisposable
{
    private readonly NpgsqlTransaction _transaction;

    private DefinitionEdit(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        _transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public static async Task<DefinitionEdit> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var edit = new DefinitionEdit(connection, transaction);
            await DefinitionKeys.LockCatalogAsync(connection, cancellationToken);
            return edit;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task<Catalog> CatalogAsync(CatalogCache catalogs, CancellationToken cancellationToken) => catalogs.GetAsync(Connection, cancellationToken);

    /// <summary>Waits until no computation or real-time evaluation uses the definition, before it is deleted.</summary>
    public Task LockDefinitionAsync(Guid definitionId, CancellationToken cancellationToken) =>
        Connection.LockDefinitionAsync(definitionId, exclusive: true, cancellationToken);

    /// <summary>Tells every replica's <see cref="CatalogCache"/> that definitions changed, when this edit commits.</summary>
    public Task CatalogChangedAsync(CancellationToken cancellationToken) => CatalogCache.BumpAsync(Connection, cancellationToken);

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
