using FeaturePlatform.EventCenter.SourceDb;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>
/// The source databases (systems of record behind CDC sources): Degraded when one does not answer — only no-delay reads
/// and offline correction of its sources need it; ingestion and every other read go on.
/// </summary>
public sealed class SourceDatabasesHealthCheck(IReadOnlyDictionary<string, ISourceDatabase> databases) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var failing = new List<string>();
        foreach (var (name, database) in databases.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            try
            {
                await database.PingAsync(cancellationToken);
                data[name] = "answers";
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                data[name] = e.GetBaseException().Message;
                failing.Add(name);
            }
        }
        return failing.Count == 0
            ? HealthCheckResult.Healthy($"{databases.Count} source databases answer.", data)
            : HealthCheckResult.Degraded($"Source databases do not answer: {string.Join(", ", failing)} (no-delay reads and correction of their sources fail).", data: data);
    }
}
