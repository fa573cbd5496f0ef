using System.Text.Json;
using FeaturePlatform.FeatureApi.Auth;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>
/// A benchmark baseline: <c>GET /api/static</c> answers a constant body shaped and sized like a feature look-up
/// (<see cref="FeaturesApi.FeaturesJson"/>, serialised per request) through the same pipeline (auth, audit, metrics),
/// so the look-up's own cost can be measured against it on the same host. Mapped only when the setting
/// <c>Api:StaticBaseline</c> is true (off by default); the <c>api-lookup</c> benchmark turns it on.
/// </summary>
public static class BaselineApi
{
    /// <summary>The configuration key that maps the endpoint.</summary>
    public const string SettingKey = "Api:StaticBaseline";

    private static readonly FeaturesApi.FeaturesJson Constant = new("order_stats_30d", "user-000000", 1_700_000_000_000, "order-000000-0", "0123456789abcdef",
        new Dictionary<string, JsonElement>
        {
            ["user_id"] = JsonSerializer.SerializeToElement("user-000000"),
            ["order_count"] = JsonSerializer.SerializeToElement(17),
            ["order_amount"] = JsonSerializer.SerializeToElement(1234.5),
            ["avg_order_amount"] = JsonSerializer.SerializeToElement(72.62),
            ["user_tier"] = JsonSerializer.SerializeToElement("gold"),
            ["account_age_days"] = JsonSerializer.SerializeToElement(412),
        });

    /// <summary>Maps <c>GET /api/static</c> when <see cref="SettingKey"/> is true.</summary>
    public static IEndpointRouteBuilder MapBaselineApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetValue<bool>(SettingKey))
        {
            app.MapGet("/api/static", () => TypedResults.Ok(Constant))
                .WithTags("Benchmarks").WithSummary("Constant look-up-sized JSON: a baseline for benchmarks (Api:StaticBaseline)").RequireAuthorization(Roles.ReadPolicy);
        }
        return app;
    }
}
