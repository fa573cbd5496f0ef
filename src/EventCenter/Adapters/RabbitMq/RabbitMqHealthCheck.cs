using System.Net.Sockets;
using FeaturePlatform.EventCenter.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>
/// The RabbitMQ broker (forwarders, outputs, call answers): Degraded when its port refuses connections or a forwarder
/// is failing; its queues' counts and failures are in the data.
/// </summary>
public sealed class RabbitMqHealthCheck(Uri broker, IngestionProgress progress) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var port = broker.IsDefaultPort || broker.Port < 0 ? (broker.Scheme == "amqps" ? 5671 : 5672) : broker.Port;
        var data = new Dictionary<string, object> { ["broker"] = $"{broker.Host}:{port}" };
        var failing = new List<string>();
        foreach (var f in progress.Forwarders.OrderBy(f => f.Queue, StringComparer.Ordinal))
        {
            data["queue:" + f.Queue] = f.Failing is { } x ? $"failing since {x.Since:O}: {x.Cause}" : $"{f.Forwarded} forwarded, {f.DeadLettered} dead-lettered, {f.Reconnects} reconnects";
            if (f.Failing is not null)
            {
                failing.Add(f.Queue);
            }
        }
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(broker.Host, port, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Forwarders and outputs retry until it is back; the API and the other sources go on serving.
            return HealthCheckResult.Degraded($"The RabbitMQ broker does not accept connections: {e.GetBaseException().Message}", data: data);
        }
        return failing.Count == 0
            ? HealthCheckResult.Healthy("The RabbitMQ broker accepts connections.", data)
            : HealthCheckResult.Degraded($"RabbitMQ forwarders are failing: {string.Join(", ", failing)}.", data: data);
    }
}
