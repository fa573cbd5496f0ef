using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Testing.HBaseThrift;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
namespace FeaturePlatform.EventCenter.Tests.Adapters.HBase;

/// <summary>The HBase adapter as <c>AddHBaseStore</c> registers it: the keyed store, its meter and its readiness check.</summary>
public sealed class HBaseServicesTests(HBaseContractServer fixture) : IClassFixture<HBaseContractServer>
{
    [Fact]
    public async Task The_registered_store_counts_its_thrift_calls_by_role_and_registers_a_readiness_check()
    {
        var services = new ServiceCollection();
        services.AddHBaseStore("hot", HBaseClientTests.OptionsFor(fixture.Server));
        await using var provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<IMeterFactory>();
        var calls = new List<(long Value, string Role, string Outcome)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == HBaseMetrics.MeterName && instrument.Name == "hbase.calls" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(x => x.Key, x => x.Value?.ToString());
            lock (calls)
            {
                calls.Add((value, t["role"]!, t["outcome"]!));
            }
        });
        listener.Start();

        var store = provider.GetRequiredKeyedService<IWideTableStore>("hot");
        var table = new TableName(null, UniqueName.For("metered"));
        await fixture.Server.CreateTableAsync(new HBaseTableSpec(table.Qualified, [new HBaseFamilySpec("f", 1, null)]));
        await store.PutAsync(table, [new Put("r1"u8.ToArray(), [new Cell("f"u8.ToArray(), "q"u8.ToArray(), 1, "v"u8.ToArray())])]);
        Assert.NotNull(await store.GetAsync(table, new Get("r1"u8.ToArray())));

        lock (calls)
        {
            Assert.True(calls.Count(c => c.Role == "hot" && c.Outcome == "ok") >= 2, $"calls seen: {string.Join(", ", calls)}");
        }
        // The readiness entry the adapter brings (built by the health-check service of the host).
        var registrations = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Contains(registrations, r => r.Name == "hot-store" && r.Tags.Contains("external"));
    }
}
