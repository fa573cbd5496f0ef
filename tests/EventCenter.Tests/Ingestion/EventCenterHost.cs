using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.Testing.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
namespace FeaturePlatform.EventCenter.Tests.Ingestion;

/// <summary>
/// The event center as production builds it (<see cref="EventCenterServices.AddEventCenter(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/> in a generic host),
/// on embedded stores in a fresh folder, with both stores wrapped in <see cref="CountingWideTableStore"/>s.
/// </summary>
internal sealed class EventCenterHost : IAsyncDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("center"));

    public EventCenterHost(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["EventCenter:DataDirectory"] = directory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddEventCenter(builder.Configuration);
        Decorate(builder.Services, StoreRole.Hot, store => HotStore = new CountingWideTableStore(store));
        Decorate(builder.Services, StoreRole.Cold, store => ColdStore = new CountingWideTableStore(store));
        Host = builder.Build();
    }

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>The hot store's counter (built with the host's services).</summary>
    public CountingWideTableStore? HotStore { get; private set; }

    /// <summary>The cold store's counter.</summary>
    public CountingWideTableStore? ColdStore { get; private set; }

    /// <summary>Storage writes so far over both stores.</summary>
    public long Writes => (HotStore?.Writes ?? 0) + (ColdStore?.Writes ?? 0);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync();
        }
        finally
        {
            Host.Dispose();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Replaces the production registration of a keyed store with a counter around what it builds.</summary>
    private static void Decorate(IServiceCollection services, string key, Func<IWideTableStore, CountingWideTableStore> wrap)
    {
        var original = services.Single(d => d.ServiceType == typeof(IWideTableStore) && Equals(d.ServiceKey, key));
        var factory = original.KeyedImplementationFactory!;
        services.Remove(original);
        services.AddKeyedSingleton<IWideTableStore>(key, (sp, k) => wrap((IWideTableStore)factory(sp, k)));
    }
}
