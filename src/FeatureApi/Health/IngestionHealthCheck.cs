using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Health;

/// <summary>
/// Degraded while a RabbitMQ forwarder or the ingest workers cannot make progress (see
/// <see cref="IngestionProgress"/>), with a description naming the queue/topic and the cause; Healthy again by itself
/// once they do. The data lists each forwarder's counters.
/// </summary>
public sealed class IngestionHealthCheck(IngestionProgress progress) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = progress.Problems();
        var data = progress.Forwarders.ToDictionary(f => "forwarder:" + f.Queue, object (f) => Describe(f));
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("Ingestion makes progress.", data)
            : HealthCheckResult.Degraded(string.Join(" | ", problems), data: data));
    }

    private static string Describe(ForwarderStatus f) =>
        $"→ {f.Topic}: {f.Forwarded} forwarded, {f.DeadLettered} dead-lettered, {f.Reconnects} reconnects{(f.Failing is { } x ? $", failing since {x.Since:O}: {x.Cause}" : "")}";
}
