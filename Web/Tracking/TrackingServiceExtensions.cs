using Alle.Platform.Tracking;

namespace Alle.Web.Tracking;

public static class TrackingServiceExtensions
{
    public static void AddPortalTracking(this IHostApplicationBuilder builder)
    {
        builder.AddTrackingClient();
        builder.Services.AddSingleton<TrackingQueue>();
        builder.Services.AddSingleton<PortalTracking>();
        builder.Services.AddScoped<PageViewTracking>();
        builder.Services.AddHostedService<TrackingSender>();
    }
}
