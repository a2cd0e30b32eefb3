using System.Threading.Channels;
using Alle.TwilioSandbox.Extensions;
using Alle.TwilioSandbox.Phones;
using Microsoft.Extensions.Options;

namespace Alle.TwilioSandbox.Delivery;

/// <summary>
/// Moves accepted messages along Twilio's lifecycle — queued → sent → delivered, undelivered or failed — and posts a
/// signed status callback at each step to the message's <c>StatusCallback</c>. A callback the receiver does not
/// acknowledge (it may be restarting) is tried again with backoff.
/// </summary>
internal sealed class DeliverySimulator(MessageBook book, IServiceScopeFactory scopes, IOptions<SandboxOptions> options, TimeProvider clock,
    ILogger<DeliverySimulator> logger) : BackgroundService
{
    private readonly Channel<string> _accepted = Channel.CreateUnbounded<string>();

    public void Enqueue(string sid) => _accepted.Writer.TryWrite(sid);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        await foreach (var sid in _accepted.Reader.ReadAllAsync(stoppingToken))
        {
            running.RemoveAll(task => task.IsCompleted);
            running.Add(DeliverAsync(sid, stoppingToken));
        }
        await Task.WhenAll(running);
    }

    private async Task DeliverAsync(string sid, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(options.Value.SendDelay, clock, cancellationToken);
            var sent = book.Update(sid, m => m with { Status = "sent", DateSent = clock.GetUtcNow(), DateUpdated = clock.GetUtcNow() });
            if (sent is null)
            {
                return;
            }
            await CallbackAsync(sent, cancellationToken);

            await Task.Delay(options.Value.DeliveryDelay, clock, cancellationToken);
            var (status, errorCode) = MagicNumbers.DeliveryOutcome(sent.To);
            var final = book.Update(sid, m => m with
            {
                Status = status,
                ErrorCode = errorCode,
                ErrorMessage = errorCode is null ? null : $"Delivery failed ({errorCode})",
                DateUpdated = clock.GetUtcNow(),
            });
            if (final is not null)
            {
                await CallbackAsync(final, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Delivery of {Sid} failed", sid);
        }
    }

    private async Task CallbackAsync(SandboxMessage message, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(message.StatusCallback))
        {
            return;
        }
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", message.AccountSid),
            new("ApiVersion", "2010-04-01"),
            new("From", message.From),
            new("MessageSid", message.Sid),
            new("MessageStatus", message.Status),
            new("SmsSid", message.Sid),
            new("SmsStatus", message.Status),
            new("To", message.To),
        };
        if (message.ErrorCode is { } code)
        {
            parameters.Add(new("ErrorCode", code.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (message.MessagingServiceSid is { } service)
        {
            parameters.Add(new("MessagingServiceSid", service));
        }

        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var (status, _) = await scope.ServiceProvider.GetRequiredService<WebhookClient>().PostAsync(message.StatusCallback, parameters, cancellationToken);
                if (status < 500)
                {
                    // Twilio does not retry a callback the receiver answered (2xx, or a 4xx refusal such as a bad signature).
                    return;
                }
                logger.LogWarning("Status callback for {Sid} ({Status}) answered {Code} (attempt {Attempt})", message.Sid, message.Status, status, attempt);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Status callback for {Sid} ({Status}) failed: {Error} (attempt {Attempt})", message.Sid, message.Status, exception.Message, attempt);
            }
            if (attempt >= options.Value.CallbackAttempts)
            {
                return;
            }
            await Task.Delay(delay, clock, cancellationToken);
            delay *= 2;
        }
    }
}
