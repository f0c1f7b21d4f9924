namespace Gyre.Testing;

/// <summary>Bounds every await in tests so that a missing event fails the test instead of hanging CI.</summary>
public static class TestTimeouts
{
    /// <summary>Generous on a loaded 2-core CI machine; a healthy wait completes in milliseconds.</summary>
    public static TimeSpan Default { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="Default"/>.</summary>
    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default);

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="Default"/>.</summary>
    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default);

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="Default"/>.</summary>
    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Default);
}
