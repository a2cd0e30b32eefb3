using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.Platform.DeadLetters;

public static class DeadLetterExtensions
{
    /// <summary>
    /// Lets this service see, replay and discard what its receive endpoints dead-lettered (<c>{queue}_error</c>,
    /// <c>{queue}_skipped</c>); map the admin API with <see cref="DeadLettersApi.MapDeadLettersApi"/>. Needs the event bus.
    /// </summary>
    public static TBuilder AddDeadLetters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!builder.Services.Any(service => service.ServiceType == typeof(EventBusSettings)))
        {
            throw new InvalidOperationException("AddDeadLetters needs the event bus: call AddEventBus first.");
        }
        builder.Services.AddSingleton<DeadLetterQueues>();
        builder.Services.AddReceiveEndpointObserver(services => services.GetRequiredService<DeadLetterQueues>());
        builder.Services.AddSingleton<DeadLetterBroker>();
        return builder;
    }
}
