using Alle.Platform.Outbox;

namespace Alle.Web.Services.Operations;

/// <summary>Each service's outbox as its <c>GET /api/{service}/outbox</c> reports it (admin key).</summary>
public sealed class OutboxStatusService(IHttpClientFactory clients)
{
    public Task<OutboxStatusResponse> StatusAsync(string service, CancellationToken cancellationToken) =>
        OperationsClients.Create(clients, service).GetAsync($"/api/{service}/outbox", cancellationToken).ReadAsync<OutboxStatusResponse>(cancellationToken);
}
