using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.EventCenter.Adapters.Embedded;

/// <summary>
/// Registers the embedded (SQLite) adapters: a wide-table store per role and the embedded message bus, each with its
/// readiness check, measured on <see cref="EmbeddedMetrics"/>.
/// </summary>
public static class EmbeddedServices
{
    /// <summary>
    /// An embedded store in <paramref name="options"/>' directory as the keyed <see cref="IWideTableStore"/> <paramref name="role"/>
    /// (options validated now), with the readiness check "&lt;role&gt;-store".
    /// </summary>
    public static IServiceCollection AddEmbeddedStore(this IServiceCollection services, string role, EmbeddedStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        AddMetrics(services);
        services.AddKeyedSingleton<IWideTableStore>(role, (sp, _) =>
        {
            var metrics = sp.GetRequiredService<EmbeddedMetrics>();
            metrics.Add(role, options.Directory);
            var store = EmbeddedWideTableStore.Open(options with { FaultMonitor = sp.GetRequiredService<StorageFaultMonitor>() });
            metrics.AddWriter(role, () => store.WriterStatistics);
            return store;
        });
        var description = new Dictionary<string, object> { ["kind"] = "embedded", ["folder"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Directory)) };
        services.AddExternalSystemCheck(role + "-store", sp => new StoreHealthCheck(sp.GetRequiredService<TieredEventStore>(), role == StoreRole.Hot, description));
        return services;
    }

    /// <summary>The embedded bus as the <see cref="IMessageBus"/> (options validated now), with the readiness check "bus".</summary>
    public static IServiceCollection AddEmbeddedBus(this IServiceCollection services, EmbeddedBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        AddMetrics(services);
        services.AddSingleton<IMessageBus>(sp =>
        {
            sp.GetRequiredService<EmbeddedMetrics>().Add("bus", options.Directory);
            return new EmbeddedMessageBus(options with { FaultMonitor = sp.GetRequiredService<StorageFaultMonitor>() });
        });
        var description = new Dictionary<string, object> { ["kind"] = "embedded", ["folder"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Directory)) };
        services.AddExternalSystemCheck("bus", sp => new BusHealthCheck(sp.GetRequiredService<IMessageBus>(), sp.GetRequiredService<SourceRegistry>(), description));
        return services;
    }

    private static void AddMetrics(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<EmbeddedMetrics>();
    }
}
