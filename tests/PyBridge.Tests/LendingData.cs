namespace FeaturePlatform.PyBridge.Tests;

/// <summary>Canned lending data for the example jobs (orders, profile, repayments, credit profile of user u1).</summary>
public static class LendingData
{
    /// <summary>The events' time: 2024-03-31T00:00:00Z.</summary>
    public const long T = 1_711_843_200_000;

    public const long Day = 86_400_000;

    public static CannedData Create()
    {
        var data = new CannedData();
        foreach (var (ago, amount, status) in new[] { (40, 100.0, "created"), (20, 50.0, "created"), (10, 25.5, "cancelled"), (1, 10.0, "created"), (0, 30.0, "created") })
        {
            data.Add("orders", "u1", T - (ago * Day), new { amount, status });
        }
        data.Add("user_profile", "u1", T - (100 * Day), new { tier = "silver", registered_ms = T - (100 * Day) });
        data.Add("user_profile", "u1", T + Day, new { tier = "gold", registered_ms = T - (100 * Day) });
        foreach (var (ago, late) in new[] { (200, 10), (60, 5), (30, 0), (10, 2) })
        {
            data.Add("repayments", "u1", T - (ago * Day), new { days_late = late });
        }
        data.Add("credit_profile", "u1", T - (5 * Day), new { yearly_income = 60000, existing_debt = 12000 });
        return data;
    }
}
