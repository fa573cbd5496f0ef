using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>Registers the HBase adapter: a wide-table store on an HBase Thrift2 server, its readiness check and meters.</summary>
public static class HBaseServices
{
    /// <summary>
    /// An HBase store as the keyed <see cref="IWideTableStore"/> <paramref name="role"/> (options validated now), counted on
    /// <see cref="HBaseMetrics"/>, with the readiness check "&lt;role&gt;-store".
    /// </summary>
    public static IServiceCollection AddHBaseStore(this IServiceCollection services, string role, HBaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddMetrics();
        services.TryAddSingleton<HBaseMetrics>();
        services.AddKeyedSingleton<IWideTableStore>(role, (sp, _) => new HBaseWideTableStore(options, sp.GetRequiredService<HBaseMetrics>(), role));
        var description = new Dictionary<string, object> { ["kind"] = "hbase", ["server"] = $"{options.Host}:{options.Port}" };
        services.AddExternalSystemCheck(role + "-store", sp => new StoreHealthCheck(sp.GetRequiredService<TieredEventStore>(), role == StoreRole.Hot, description));
        return services;
    }
}
