using System.Net.Http.Json;
using Alle.Platform.DeadLetters;

namespace Alle.Web.Services.Operations;

/// <summary>
/// The dead-letter API every service maps under its own prefix (<c>/api/{service}/dead-letters</c>), for the console
/// (admin key), through <see cref="OperationsClients"/>.
/// </summary>
public sealed class DeadLettersAdminService(IHttpClientFactory clients)
{
    public Task<DeadLetterOverview> OverviewAsync(string service, CancellationToken cancellationToken) =>
        Client(service).GetAsync($"/api/{service}/dead-letters", cancellationToken).ReadAsync<DeadLetterOverview>(cancellationToken);

    /// <summary>Replays one message (by id) or, without an id, the whole queue (up to the service's limit per call).</summary>
    public Task<DeadLetterOutcome> ReplayAsync(string service, string queue, Guid? messageId, CancellationToken cancellationToken) =>
        MoveAsync(service, queue, "replay", messageId, cancellationToken);

    public Task<DeadLetterOutcome> DiscardAsync(string service, string queue, Guid? messageId, CancellationToken cancellationToken) =>
        MoveAsync(service, queue, "discard", messageId, cancellationToken);

    private Task<DeadLetterOutcome> MoveAsync(string service, string queue, string action, Guid? messageId, CancellationToken cancellationToken)
    {
        object selection = messageId is { } id ? new { messageIds = new[] { id } } : new { all = true };
        return Client(service).PostAsJsonAsync($"/api/{service}/dead-letters/{ServiceResponses.Escape(queue)}/{action}", selection, cancellationToken)
            .ReadAsync<DeadLetterOutcome>(cancellationToken);
    }

    private HttpClient Client(string service) => OperationsClients.Create(clients, service);
}
