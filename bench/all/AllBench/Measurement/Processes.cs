using Alle.Testing;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Alle.Bench.All.Measurement;

internal static class Processes
{
    /// <summary>Every resource of the application that runs processes (services and servers), by name.</summary>
    public static IReadOnlyList<string> Of(DistributedAppFixture app) =>
        [.. app.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r is ProjectResource or ExecutableResource).Select(r => r.Name)
            .Where(name => app.Resources.Instances(name).Any(i => i.ProcessId > 0)).Order(StringComparer.Ordinal)];
}
