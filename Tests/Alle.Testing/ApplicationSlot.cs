namespace Alle.Testing;

/// <summary>
/// The right to run a whole application on this machine. Test assemblies run side by side under <c>dotnet test</c> and
/// each starts one or more applications (a dozen processes and three servers each); on two cores several at once starve
/// one another until calls time out, so they take turns. The slot is an exclusive lock on a file, which the kernel
/// releases if the holder dies.
/// </summary>
public sealed class ApplicationSlot : IDisposable
{
    private static readonly string s_lockFile = Path.Combine(Path.GetTempPath(), "alle-tests-application.lock");
    private readonly FileStream _lock;

    private ApplicationSlot(FileStream lockFile) => _lock = lockFile;

    public static async Task<ApplicationSlot> AcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                return new ApplicationSlot(new FileStream(s_lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                // Held by another application; the holder gives no signal but the lock itself, so poll it.
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Another test application held {s_lockFile} for over {timeout.TotalMinutes:0} minutes.");
            }
        }
    }

    public void Dispose() => _lock.Dispose();
}
