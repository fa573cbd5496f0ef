using FeaturePlatform.EventCenter.SourceDb;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>Registers the source-database adapter: one client per configured database, by name.</summary>
public static class SourceDatabaseServices
{
    /// <summary>The clients of <paramref name="databases"/> as <c>IReadOnlyDictionary&lt;string, ISourceDatabase&gt;</c>; each needs a connection string.</summary>
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
        services.AddSingleton<IReadOnlyDictionary<string, ISourceDatabase>>(
            databases.ToDictionary(kv => kv.Key, kv => SourceDatabaseFactory.Open(kv.Value), StringComparer.Ordinal));
        return services;
    }
}
