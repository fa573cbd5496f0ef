using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.EventCenter.Bus;

/// <summary>
/// The message bus, registered by its adapter with what describes it (<paramref name="description"/>): healthy when it tells
/// the end offsets of the sources' topics.
/// </summary>
public sealed class BusHealthCheck(IMessageBus bus, SourceRegistry sources, IReadOnlyDictionary<string, object> description) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(description);
        var missing = new List<string>();
        try
        {
            foreach (var topic in sources.Topics.Order(StringComparer.Ordinal))
            {
                if (await bus.GetEndOffsetsAsync(topic, cancellationToken) is null)
                {
                    missing.Add(topic);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The bus does not answer: {e.GetBaseException().Message}", data: data);
        }
        data["topics"] = sources.Topics.Count;
        if (missing.Count > 0)
        {
            data["missingTopics"] = missing.ToArray();
            return HealthCheckResult.Degraded($"Topics of configured sources do not exist (yet): {string.Join(", ", missing)}.", data: data);
        }
        return HealthCheckResult.Healthy("The bus answers.", data);
    }
}
