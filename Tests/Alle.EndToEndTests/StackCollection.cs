namespace Alle.EndToEndTests;

/// <summary>End-to-end tests that need the running application share one (starting it takes ~15 s).</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<DistributedAppFixture>
{
    public const string Name = "stack";
}
