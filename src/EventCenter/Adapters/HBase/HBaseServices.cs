using FeaturePlatform.EventCenter.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>Registers the HBase adapter: a wide-table store on an HBase Thrift2 server.</summary>
public static class HBaseServices
{
    /// <summary>An HBase store as the keyed <see cref="IWideTableStore"/> <paramref name="role"/>; options are validated now.</summary>
    public static IServiceCollection AddHBaseStore(this IServiceCollection services, string role, HBaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddKeyedSingleton<IWideTableStore>(role, (_, _) => new HBaseWideTableStore(options));
        return services;
    }
}
