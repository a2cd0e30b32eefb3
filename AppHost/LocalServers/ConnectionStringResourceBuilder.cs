namespace Alle.AppHost.LocalServers;

internal static class ConnectionStringResourceBuilder
{
    /// <summary>The same resource seen as what it gives its dependants, so a local and an existing server look alike.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithConnectionString =>
        builder.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(builder.Resource);
}
