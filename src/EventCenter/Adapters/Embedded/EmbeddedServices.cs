using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.EventCenter.Adapters.Embedded;

/// <summary>Registers the embedded (SQLite) adapters: a wide-table store per role and the embedded message bus.</summary>
public static class EmbeddedServices
{
    /// <summary>An embedded store in <paramref name="options"/>' directory as the keyed <see cref="IWideTableStore"/> <paramref name="role"/>; options are validated now.</summary>
    public static IServiceCollection AddEmbeddedStore(this IServiceCollection services, string role, EmbeddedStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddKeyedSingleton<IWideTableStore>(role, (sp, _) => EmbeddedWideTableStore.Open(options with { FaultMonitor = sp.GetRequiredService<StorageFaultMonitor>() }));
        return services;
    }

    /// <summary>The embedded bus as the <see cref="IMessageBus"/>; options are validated now.</summary>
    public static IServiceCollection AddEmbeddedBus(this IServiceCollection services, EmbeddedBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton<IMessageBus>(sp => new EmbeddedMessageBus(options with { FaultMonitor = sp.GetRequiredService<StorageFaultMonitor>() }));
        return services;
    }
}
