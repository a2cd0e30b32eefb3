using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Alle.IntegrationTests;

/// <summary>
/// The application with two instances of the services whose tests prove that replicas share work without doing it
/// twice — Profiles (identity resolution from one queue) and Loyalty (relays, maturation jobs, redemptions) — and
/// Loyalty's pending hold shortened to 10 seconds (long enough to see points pending on a busy machine) so points mature within a test. One application for both: each costs
/// a start of the whole stack.
/// </summary>
public sealed class ReplicasFixture : DistributedAppFixture
{
    protected override IEnumerable<string> AppHostArguments => ["--AppHost:Replicas:profiles=2", "--AppHost:Replicas:loyalty=2"];

    protected override void ConfigureApplication(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder((ProjectResource)builder.Resources.Single(r => r.Name == "loyalty"))
            .WithEnvironment("Loyalty__Points__PendingHold", "00:00:10")
            .WithEnvironment("Loyalty__Maturation__Interval", "00:00:01");
}

[CollectionDefinition(Name)]
public sealed class ReplicasCollection : ICollectionFixture<ReplicasFixture>
{
    public const string Name = "replicas";
}
