namespace Alle.EndToEndTests;

/// <summary>
/// The one application every collection of this project uses (starting one takes ~20 s, and the machine holds one at
/// a time): the first collection to start starts it, the last to finish stops it, so collections run side by side on
/// it. A test that breaks the application takes it to itself through <see cref="TakeTurnAsync"/>; the others share it.
/// </summary>
public sealed class SharedStack : IAsyncLifetime
{
    private static readonly SemaphoreSlim s_lifetime = new(1, 1);
    private static DistributedAppFixture? s_application;
    private static int s_collections;
    private static readonly ApplicationTurns s_turns = new();

    public DistributedAppFixture App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await s_lifetime.WaitAsync();
        try
        {
            if (s_application is null)
            {
                var application = new DistributedAppFixture();
                await application.InitializeAsync();
                s_application = application;
            }
            s_collections++;
            App = s_application;
        }
        finally
        {
            s_lifetime.Release();
        }
    }

    public Task<IDisposable> TakeTurnAsync(StackUse use) =>
        use == StackUse.Exclusive ? s_turns.ExclusiveAsync() : s_turns.SharedAsync();

    public async Task DisposeAsync()
    {
        await s_lifetime.WaitAsync();
        try
        {
            if (--s_collections == 0 && s_application is not null)
            {
                await s_application.DisposeAsync();
                s_application = null;
            }
        }
        finally
        {
            s_lifetime.Release();
        }
    }
}

/// <summary>How a test uses the shared application.</summary>
public enum StackUse
{
    /// <summary>Beside other tests: it only adds data of its own.</summary>
    Shared,

    /// <summary>Alone: it stops servers or kills services, which would fail whatever ran beside it.</summary>
    Exclusive,
}

/// <summary>
/// A fair reader-writer lock over the application: shared turns run together; an exclusive turn waits for them to end
/// and keeps new shared turns out from the moment it asks.
/// </summary>
internal sealed class ApplicationTurns
{
    private readonly SemaphoreSlim _entrance = new(1, 1);
    private readonly SemaphoreSlim _vacant = new(1, 1);
    private readonly Lock _count = new();
    private int _sharing;

    public async Task<IDisposable> SharedAsync()
    {
        await _entrance.WaitAsync();
        try
        {
            bool first;
            lock (_count)
            {
                first = ++_sharing == 1;
            }
            if (first)
            {
                await _vacant.WaitAsync();
            }
        }
        finally
        {
            _entrance.Release();
        }
        return new Turn(LeaveShared);
    }

    public async Task<IDisposable> ExclusiveAsync()
    {
        await _entrance.WaitAsync();
        await _vacant.WaitAsync();
        return new Turn(() =>
        {
            _vacant.Release();
            _entrance.Release();
        });
    }

    private void LeaveShared()
    {
        lock (_count)
        {
            if (--_sharing == 0)
            {
                _vacant.Release();
            }
        }
    }

    private sealed class Turn(Action release) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                release();
            }
        }
    }
}

/// <summary>A test on the shared application, holding its turn (shared or exclusive) from start to end.</summary>
public abstract class StackTest(SharedStack stack, StackUse use = StackUse.Shared) : IAsyncLifetime
{
    private IDisposable? _turn;

    protected DistributedAppFixture App => stack.App;

    public virtual async Task InitializeAsync() => _turn = await stack.TakeTurnAsync(use);

    public virtual Task DisposeAsync()
    {
        _turn?.Dispose();
        return Task.CompletedTask;
    }
}
