using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Configuration;

namespace FeaturePlatform.EventCenter.Tests.Ingestion.Sources;

/// <summary>
/// Sources in configuration are keyed by name, so one added by environment variables cannot merge into a demo source
/// (as index 0 of the old array did); the array shape is still read.
/// </summary>
public sealed class SourcesConfigurationTests
{
    private static readonly Dictionary<string, string?> Demo = new()
    {
        ["EventCenter:Sources:orders:Format"] = "Json",
        ["EventCenter:Sources:orders:KeyFields:0"] = "user_id",
        ["EventCenter:Sources:orders:TimeField"] = "created_at",
        ["EventCenter:Sources:user_profile:Format"] = "Debezium",
    };

    private static IReadOnlyList<SourceDefinition> Read(params Dictionary<string, string?>[] layers)
    {
        var builder = new ConfigurationBuilder();
        foreach (var layer in layers)
        {
            builder.AddInMemoryCollection(layer);
        }
        return SourcesConfiguration.Read(builder.Build().GetSection("EventCenter:Sources"));
    }

    [Fact]
    public void A_source_added_by_a_later_layer_is_its_own_source_and_the_demo_sources_stay_intact()
    {
        var sources = Read(Demo, new() { ["EventCenter:Sources:payments:Format"] = "Json", ["EventCenter:Sources:payments:KeyFields:0"] = "account" });
        Assert.Equal(["orders", "payments", "user_profile"], sources.Select(s => s.Name).Order(StringComparer.Ordinal));
        var orders = sources.Single(s => s.Name == "orders");
        Assert.Equal(["user_id"], orders.KeyFields);
        Assert.Equal("created_at", orders.TimeField);
        Assert.Equal(["account"], sources.Single(s => s.Name == "payments").KeyFields);
    }

    [Fact]
    public void An_array_entry_from_environment_variables_stays_separate_from_the_keyed_demo_sources()
    {
        // The old trap: EventCenter__Sources__0__… used to merge into the first demo source of the array.
        var sources = Read(Demo, new() { ["EventCenter:Sources:0:Name"] = "payments", ["EventCenter:Sources:0:Format"] = "Json", ["EventCenter:Sources:0:KeyFields:0"] = "account" });
        Assert.Equal(["orders", "payments", "user_profile"], sources.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal("created_at", sources.Single(s => s.Name == "orders").TimeField);
        Assert.Null(sources.Single(s => s.Name == "payments").TimeField);
    }

    [Fact]
    public void The_old_array_shape_is_read_and_an_entry_without_a_name_is_refused_naming_the_setting()
    {
        var sources = Read(new Dictionary<string, string?> { ["EventCenter:Sources:0:Name"] = "orders", ["EventCenter:Sources:0:KeyFields:0"] = "user_id", ["EventCenter:Sources:1:Name"] = "loans",
            ["EventCenter:Sources:1:KeyFields:0"] = "id" });
        Assert.Equal(["orders", "loans"], sources.Select(s => s.Name));
        var e = Assert.Throws<ArgumentException>(() => Read(new Dictionary<string, string?> { ["EventCenter:Sources:0:KeyFields:0"] = "user_id" }));
        Assert.Contains("EventCenter:Sources:0:Name is required", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_configured_twice_or_contradicting_its_key_is_refused()
    {
        var twice = Assert.Throws<ArgumentException>(() => Read(Demo, new() { ["EventCenter:Sources:0:Name"] = "orders", ["EventCenter:Sources:0:KeyFields:0"] = "x" }));
        Assert.Contains("configured twice", twice.Message, StringComparison.Ordinal);
        var contradiction = Assert.Throws<ArgumentException>(() => Read(new Dictionary<string, string?> { ["EventCenter:Sources:orders:Name"] = "loans", ["EventCenter:Sources:orders:KeyFields:0"] = "x" }));
        Assert.Contains("the key names the source 'orders'", contradiction.Message, StringComparison.Ordinal);
    }
}
