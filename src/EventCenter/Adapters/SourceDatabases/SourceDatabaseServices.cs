using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.SourceDb;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>Registers the source-database adapter: one client per configured database, by name, its readiness check and meters.</summary>
public static class SourceDatabaseServices
{
    /// <summary>
    /// The clients of <paramref name="databases"/> as <c>IReadOnlyDictionary&lt;string, ISourceDatabase&gt;</c> (each needs
    /// a connection string), counted on <see cref="SourceDatabaseMetrics"/>, with the readiness check "source-databases"
    /// when any is configured.
    /// </summary>
    public static IServiceCollection AddSourceDatabases(this IServiceCollection services, IReadOnlyDictionary<string, SourceDatabaseSettings> databases)
    {
        ArgumentNullException.ThrowIfNull(databases);
        foreach (var (name, settings) in databases)
        {
            if (string.IsNullOrWhiteSpace(settings.ConnectionString))
            {
                throw new ArgumentException($"EventCenter:SourceDatabases:{name}:ConnectionString is required.");
            }
        }
        services.AddMetrics();
        services.TryAddSingleton<SourceDatabaseMetrics>();
        services.AddSingleton<IReadOnlyDictionary<string, ISourceDatabase>>(sp =>
        {
            var metrics = sp.GetRequiredService<SourceDatabaseMetrics>();
            return databases.ToDictionary(kv => kv.Key, kv => (ISourceDatabase)new MeteredSourceDatabase(kv.Key, SourceDatabaseFactory.Open(kv.Value), metrics), StringComparer.Ordinal);
        });
        if (databases.Count > 0)
        {
            services.AddExternalSystemCheck("source-databases", sp => new SourceDatabasesHealthCheck(sp.GetRequiredService<IReadOnlyDictionary<string, ISourceDatabase>>()));
        }
        return services;
    }
}
