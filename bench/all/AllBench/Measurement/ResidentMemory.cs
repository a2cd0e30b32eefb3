using Alle.Bench.Soak;
using Alle.Testing;

namespace Alle.Bench.All.Measurement;

/// <summary>Resident memory (MB) of each running resource: its instances' process trees summed.</summary>
internal static class ResidentMemory
{
    public static Dictionary<string, double> OfResources(DistributedAppFixture app, IEnumerable<string> resources) =>
        resources.ToDictionary(r => r, r => app.Resources.Instances(r).Where(i => i.ProcessId > 0).Sum(i => ProcessMemory.OfTree(i.ProcessId).Resident),
            StringComparer.Ordinal);
}
