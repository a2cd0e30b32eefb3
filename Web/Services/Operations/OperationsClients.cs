namespace Alle.Web.Services.Operations;

/// <summary>
/// The services whose delivery machinery operators look after (outbox, dead letters), each through its own named client
/// with the admin key and without the default retries: a replay is not repeated behind the operator's back.
/// </summary>
public static class OperationsClients
{
    public static readonly IReadOnlyList<string> Services = ["ingestion", "profiles", "audiences", "messaging", "loyalty"];

    public static string Name(string service) => $"operations-{service}";

    public static HttpClient Create(IHttpClientFactory clients, string service) => Services.Contains(service)
        ? clients.CreateClient(Name(service))
        : throw new ArgumentException($"'{service}' has no operations API.", nameof(service));
}
