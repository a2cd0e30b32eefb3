using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Alle.FaultTests;

/// <summary>
/// The application the fault tests break. Each service's outbox relay caps its backoff at 5 s instead of the shipped
/// minute, so a recovery shows within seconds and the suite stays short. The cap only spaces the attempts: rows are
/// kept and retried whatever it is (the relay this replaced gave up after 50 attempts, however spaced), and
/// bench/faults/run.sh runs the long faults with the shipped settings.
/// </summary>
public sealed class FaultFixture : DistributedAppFixture
{
    protected override void ConfigureApplication(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var service in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(service).WithEnvironment("Outbox__MaxBackoff", "00:00:05");
        }
    }
}

/// <summary>The fault tests share one application and run one after another: each breaks it for everyone.</summary>
[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>
{
    public const string Name = "faults";
}
