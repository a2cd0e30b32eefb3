using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

internal static class ConnectionStrings
{
    /// <summary>
    /// The connection string for <paramref name="connectionName"/>: the client settings section first
    /// (<c>Aspire:RabbitMQ:Client:ConnectionString</c> for the event bus), then <c>ConnectionStrings:{name}</c>.
    /// Fails start-up with a message naming the key when neither is set.
    /// </summary>
    public static string Require(IConfiguration configuration, string connectionName, string? fromSettings)
    {
        if (!string.IsNullOrWhiteSpace(fromSettings))
        {
            return fromSettings;
        }

        var connectionString = configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Connection string 'ConnectionStrings:{connectionName}' is missing. " +
                $"Set it in configuration (environment variable ConnectionStrings__{connectionName}); the AppHost provides it when it starts this service.");
        }

        return connectionString;
    }
}
