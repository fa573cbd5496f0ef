using FeaturePlatform.EventCenter.MetadataStore;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.EventCenter.Adapters.Postgres;

/// <summary>Registers the PostgreSQL metadata store.</summary>
public static class PostgresMetadataServices
{
    /// <summary>Registers <see cref="IMetadataStore"/> as a <see cref="PostgresMetadataStore"/> on <paramref name="connectionString"/>.</summary>
    public static IServiceCollection AddPostgresMetadataStore(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddSingleton(sp => new PostgresMetadataStore(connectionString, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMetadataStore>(sp => sp.GetRequiredService<PostgresMetadataStore>());
        return services;
    }
}
