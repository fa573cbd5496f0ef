using System.Diagnostics;

namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>
/// Waits for a condition by polling it until it holds or a deadline passes (tests never sleep a fixed time). On the
/// deadline it throws a <see cref="TimeoutException"/> that says what was awaited, and for how long.
/// </summary>
public static class Poll
{
    /// <summary>How long a wait lasts when the caller names no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>Polls <paramref name="condition"/> until it holds; <paramref name="what"/> names it in the timeout.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, () => Task.FromResult(what), timeout);

    /// <summary>As above; <paramref name="what"/> is asked at the timeout, so it can describe the state then.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<Task<string>> what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting until {await what()}.");
            }
            await Task.Delay(Interval);
        }
    }

    /// <summary>Polls with an explicit timeout; <paramref name="what"/> is asked at the timeout.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what) =>
        UntilAsync(condition, () => Task.FromResult(what()), timeout);

    /// <summary>Polls with an explicit timeout; <paramref name="diagnostics"/>, if given, is appended to the timeout's message.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null) =>
        UntilAsync(condition, () => Task.FromResult(diagnostics is null ? what : $"{what}\n{diagnostics()}"), timeout);
}
