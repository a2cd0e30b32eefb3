namespace Alle.EndToEndTests;

/// <summary>
/// The flows across services and the tests that break the application (a server stopped, a service killed). Its tests
/// run one after another, beside the two browser collections, on the one application they all share.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<SharedStack>
{
    public const string Name = "stack";
}

/// <summary>The member portal in a browser, beside the other collections on the shared application.</summary>
[CollectionDefinition(Name)]
public sealed class PortalBrowserCollection : ICollectionFixture<SharedStack>
{
    public const string Name = "portal in a browser";
}

/// <summary>The operator console in a browser, beside the other collections on the shared application.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleBrowserCollection : ICollectionFixture<SharedStack>
{
    public const string Name = "console in a browser";
}
