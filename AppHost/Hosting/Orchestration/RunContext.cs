using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Alle.Hosting;

/// <summary>What a resource needs to know while it is prepared and started.</summary>
internal sealed partial class RunContext(AppHostOptions options, IConfiguration configuration, ILoggerFactory loggerFactory)
{
    public AppHostOptions Options { get; } = options;
    public IConfiguration Configuration { get; } = configuration;
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public static bool IsRoot { get; } = Environment.UserName == "root" || GetEffectiveUserId() == 0;

    /// <summary>The resource's own folder under the state folder, created on first use.</summary>
    public string ResourceDirectory(string resourceName)
    {
        var path = Path.Combine(Options.StateDirectory, resourceName);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A connection string for <paramref name="name"/> given to the AppHost: the resource then uses that server instead of starting one.</summary>
    public string? ExistingConnectionString(string name) => Configuration.GetConnectionString(name) is { Length: > 0 } value ? value : null;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserIdNative();

    private static uint GetEffectiveUserId()
    {
        try
        {
            return GetEffectiveUserIdNative();
        }
        catch (DllNotFoundException)
        {
            return uint.MaxValue;
        }
    }
}
