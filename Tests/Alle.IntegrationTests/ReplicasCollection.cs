using Alle.Hosting;

namespace Alle.IntegrationTests;

/// <summary>
/// The application with two instances of the services whose tests prove that replicas share work without doing it
/// twice — Profiles (identity resolution from one queue) and Loyalty (relays, maturation jobs, redemptions) — and
/// Loyalty's pending hold shortened to 3 seconds so points mature within a test. One application for both: each costs
/// a start of the whole stack.
/// </summary>
public sealed class ReplicasFixture : DistributedAppFixture
{
    protected override void ConfigureApplication(DistributedApplicationBuilder builder)
    {
        ((ProjectResource)builder.Resources.Single(resource => resource.Name == "profiles")).SetReplicas(2);
        var loyalty = (ProjectResource)builder.Resources.Single(resource => resource.Name == "loyalty");
        loyalty.SetReplicas(2);
        loyalty.Environment["Loyalty__Points__PendingHold"] = new LiteralValue("00:00:03");
        loyalty.Environment["Loyalty__Maturation__Interval"] = new LiteralValue("00:00:01");
    }
}

[CollectionDefinition(Name)]
public sealed class ReplicasCollection : ICollectionFixture<ReplicasFixture>
{
    public const string Name = "replicas";
}
