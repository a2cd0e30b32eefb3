namespace Alle.IntegrationTests;

/// <summary>Every integration test shares one running application (starting it takes ~20 s).</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<DistributedAppFixture>
{
    public const string Name = "stack";
}
