namespace Alle.IntegrationTests;

/// <summary>
/// The application every integration test shares (starting it takes ~20 s), with Aspire's dashboard, whose telemetry
/// API shows the traces, logs and metrics the services export.
/// </summary>
public sealed class StackFixture : DistributedAppFixture
{
    protected override bool WithDashboard => true;
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
