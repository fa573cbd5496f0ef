namespace FeaturePlatform.Web.Tests;

/// <summary>Waits for a condition by polling it, with a deadline (no fixed sleeps).</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for: {what}.{(diagnostics is null ? "" : "\n" + diagnostics())}");
            }
            await Task.Delay(100);
        }
    }
}
