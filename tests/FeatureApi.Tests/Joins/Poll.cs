namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>Polls a condition until it holds or a deadline passes.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out after {timeout.TotalSeconds:F0} s waiting for {what()}.");
            await Task.Delay(50);
        }
    }
}
