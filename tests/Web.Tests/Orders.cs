namespace FeaturePlatform.Web.Tests;

/// <summary>Orders of a new user on a unique day, so each test's replay range holds only its own events.</summary>
internal static class Orders
{
    public const long Day = 86_400_000;

    /// <summary>Posts one order per amount, a day apart from a random midnight in [<paramref name="fromYear"/>, +10 years); returns the user and the first time.</summary>
    public static async Task<(string User, long T0)> PostAsync(WebHost host, int fromYear, params double[] amounts)
    {
        var user = $"u-{Guid.NewGuid():N}";
        var t0 = new DateTimeOffset(fromYear, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() + Random.Shared.NextInt64(0, 3600) * Day;
        var orders = amounts.Select((a, i) => new { order_id = $"{user}-{i}", user_id = user, created_at = t0 + i * Day, amount = a }).ToArray();
        await host.ForwardAndWaitAsync("orders", user, orders, amounts.Length);
        return (user, t0);
    }

    /// <summary>A datetime-local input value (UTC) for <paramref name="ms"/>.</summary>
    public static string Local(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
