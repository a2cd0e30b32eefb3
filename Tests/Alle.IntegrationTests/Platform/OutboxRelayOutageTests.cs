using Alle.Contracts;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Alle.Platform.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Alle.IntegrationTests.Platform;

/// <summary>
/// The shared outbox relay through an outage longer than fifty passes, on a table in the application's PostgreSQL, pass
/// by pass on a fake clock (each pass a longest backoff, one minute, later, so every row and destination is due again).
/// <para>
/// Messaging's relay before the shared outbox stranded rows: a pass stopped at the first failed publish, then added an
/// attempt to every unsent row it had claimed, tried or not, and never claimed a row again once it had 50 attempts.
/// With the 50-attempt cap put back into the relay's claim (<c>AND m.attempts &lt; 50</c> in <c>OutboxStore.ClaimAsync</c>,
/// run on an uncommitted copy) both cases fail in <see cref="Every_row_is_delivered_exactly_once_in_key_order"/>:
/// "coupon-m0-0 was never delivered (50 attempts)" holding member 0's later rows, and all 30 tracking rows undelivered.
/// The rule of charging every claimed row (each claimed row neither delivered nor failed marked failed before
/// <c>CompleteAsync</c>) breaks <see cref="Untried_rows_are_charged_nothing"/> in the bus case: with one publication at a
/// time only member 0's first row is tried per pass, so the nine other members' first rows would carry 60 attempts
/// their destination never saw.
/// </para>
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OutboxRelayOutageTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const int Members = 10;
    private const int RowsPerMember = 3;
    private const int PassesDown = 60;

    private readonly string _database = $"outbox_outage_{Guid.NewGuid():N}";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly OutboxDestinations _destinations = new();
    private readonly OutboxOptions _options = new() { Concurrency = 1 };
    private NpgsqlDataSource _dataSource = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        await using (var admin = await OpenServerAsync())
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(app.ConnectionString("loyaltydb")) { Database = _database }.ConnectionString);
        await using var connection = await _dataSource.OpenConnectionAsync();
        foreach (var (_, sql) in DatabaseMigrations.ReadScripts(typeof(OutboxRelay).Assembly, "Outbox.Migrations"))
        {
            await using var migrate = new NpgsqlCommand(sql, connection);
            await migrate.ExecuteNonQueryAsync();
        }

        var services = new ServiceCollection().AddMetrics();
        services.AddTransient(_ => new TrackingClient(new HttpClient(_destinations.TrackingApi()) { BaseAddress = new Uri("http://ingestion") }));
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = await OpenServerAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData(OutboxDestination.Bus)]
    [InlineData(OutboxDestination.Tracking)]
    public async Task A_destination_down_for_more_than_fifty_passes_strands_nothing_charges_nothing_untried_and_holds_up_nothing_else(OutboxDestination failing)
    {
        var relay = NewRelay();
        await WriteRowsAsync();
        SetDown(failing, true);

        await PassAsync(relay);
        var other = failing == OutboxDestination.Bus ? OutboxDestination.Tracking : OutboxDestination.Bus;
        Assert.All(await RowsAsync(other), row => Assert.True(row.Sent, $"{row.Name} waited for the other destination."));

        for (var pass = 2; pass <= PassesDown; pass++)
        {
            await PassAsync(relay);
        }
        var stillDown = await RowsAsync(failing);
        Assert.All(stillDown, row => Assert.False(row.Sent));
        Untried_rows_are_charged_nothing(stillDown);

        SetDown(failing, false);
        for (var pass = 0; pass < 2 * RowsPerMember && (await RowsAsync(failing)).Any(row => !row.Sent); pass++)
        {
            await PassAsync(relay);
        }
        var rows = await RowsAsync(failing);
        Every_row_is_delivered_exactly_once_in_key_order(rows, failing);
        Untried_rows_are_charged_nothing(rows);
        Assert.True(rows.Max(row => row.Attempts) > PassesDown, $"The first row should have been tried on each of the {PassesDown} passes of the outage, then delivered.");
    }

    /// <summary>A row's attempts are the attempts its destination saw: a row the relay left alone was charged nothing.</summary>
    private void Untried_rows_are_charged_nothing(IReadOnlyList<Row> rows) =>
        Assert.All(rows, row => Assert.True(row.Attempts == _destinations.Attempts.GetValueOrDefault(row.Name),
            $"{row.Name} was charged {row.Attempts} attempts; its destination saw {_destinations.Attempts.GetValueOrDefault(row.Name)}."));

    private void Every_row_is_delivered_exactly_once_in_key_order(IReadOnlyList<Row> rows, OutboxDestination destination)
    {
        var delivered = _destinations.Delivered.Where(name => name.StartsWith(Prefix(destination), StringComparison.Ordinal)).ToList();
        Assert.All(rows, row => Assert.True(row.Sent, $"{row.Name} was never delivered ({row.Attempts} attempts)."));
        Assert.Equal(rows.Select(row => row.Name).Order(), delivered.Order());
        for (var member = 0; member < Members; member++)
        {
            var inOrder = Enumerable.Range(0, RowsPerMember).Select(n => Name(destination, member, n));
            Assert.Equal(inOrder, delivered.Where(name => name.StartsWith($"{Prefix(destination)}{member}-", StringComparison.Ordinal)));
        }
    }

    private OutboxRelay NewRelay() => new(new OutboxStore(_dataSource), _destinations.Bus(), _services.GetRequiredService<IServiceScopeFactory>(),
        new DefaultOutboxBusHooks(), new OutboxMonitor(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), _clock),
        new WorkSignal<OutboxRelay>(), Options.Create(_options), _clock, NullLogger<OutboxRelay>.Instance);

    /// <summary>One pass, after every backoff (a row's, a destination's pause) has run out.</summary>
    private async Task PassAsync(OutboxRelay relay)
    {
        await relay.RelayOnceAsync(CancellationToken.None);
        _clock.Advance(_options.MaxBackoff + TimeSpan.FromSeconds(1));
    }

    /// <summary>Each member's rows, bus and tracking interleaved, under the member's ordering key.</summary>
    private async Task WriteRowsAsync()
    {
        var entries = new List<OutboxEntry>();
        for (var n = 0; n < RowsPerMember; n++)
        {
            for (var member = 0; member < Members; member++)
            {
                var key = $"member:m{member}";
                var now = _clock.GetUtcNow();
                entries.Add(OutboxEntry.Publish(new CouponIssued(Guid.Empty, $"m{member}", Name(OutboxDestination.Bus, member, n), 5m, now.AddDays(30), now), orderingKey: key));
                entries.Add(OutboxEntry.Track(new TrackCall(Name(OutboxDestination.Tracking, member, n), $"m{member}", null, "Coupon Issued"), key));
            }
        }
        await using var connection = await _dataSource.OpenConnectionAsync();
        await connection.AddAsync(entries, _clock.GetUtcNow(), CancellationToken.None);
    }

    private async Task<IReadOnlyList<Row>> RowsAsync(OutboxDestination destination)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("""
            SELECT coalesce(payload->>'couponCode', message_id), attempts, sent_at IS NOT NULL FROM outbox_messages WHERE destination = $1 ORDER BY id
            """, connection) { Parameters = { new() { Value = destination == OutboxDestination.Bus ? "bus" : "tracking" } } };
        await using var reader = await read.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetInt32(1), reader.GetBoolean(2)));
        }
        return rows;
    }

    private void SetDown(OutboxDestination destination, bool down)
    {
        if (destination == OutboxDestination.Bus)
        {
            _destinations.BusDown = down;
        }
        else
        {
            _destinations.TrackingDown = down;
        }
    }

    private static string Prefix(OutboxDestination destination) => destination == OutboxDestination.Bus ? "coupon-m" : "call-m";

    private static string Name(OutboxDestination destination, int member, int n) => $"{Prefix(destination)}{member}-{n}";

    private async Task<NpgsqlConnection> OpenServerAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.ConnectionString("loyaltydb")) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private sealed record Row(string Name, int Attempts, bool Sent);
}
