
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>Polls a condition until it holds or a deadline passes.</summary>
internal static class Poll
{
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, () => Task.FromResult(what), timeout);

    /// <summary>As above; <paramref name="what"/> is asked at the timeout, so it can describe the state then.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<Task<string>> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {await what()}.");
            }
            await Task.Delay(20);
        }
    }
}
