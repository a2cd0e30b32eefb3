using System.Diagnostics;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseTracing
{
    /// <summary>
    /// Traces a command only as part of an operation that is already traced: a request, a consumed message, a relay's
    /// publish under the trace of the request that wrote the row. Background loops (outbox relays, dispatchers,
    /// schedulers) poll their tables several times a second; as traces of their own, those polls would bury every
    /// request's trace on the dashboard.
    /// </summary>
    public static NpgsqlDataSourceBuilder TraceOperationsOnly(this NpgsqlDataSourceBuilder builder) =>
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => Activity.Current is not null)
            .ConfigureBatchFilter(_ => Activity.Current is not null));
}
