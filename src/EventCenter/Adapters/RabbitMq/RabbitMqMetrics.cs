using System.Diagnostics.Metrics;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>The RabbitMQ forwarders' instruments on meter <see cref="MeterName"/>, per queue, read from their status.</summary>
public sealed class RabbitMqMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FeaturePlatform.RabbitMq";

    /// <summary>Creates the instruments.</summary>
    public RabbitMqMetrics(IMeterFactory meters, IngestionProgress progress)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(progress);
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("rabbitmq.forwarder.forwarded", () => PerQueue(progress, f => f.Forwarded),
            description: "Messages a RabbitMQ forwarder put on the bus and acknowledged, by queue.");
        meter.CreateObservableCounter("rabbitmq.forwarder.dead_letters", () => PerQueue(progress, f => f.DeadLettered),
            description: "Messages a RabbitMQ forwarder could never deliver: dead-lettered and acknowledged, by queue.");
        meter.CreateObservableCounter("rabbitmq.forwarder.reconnects", () => PerQueue(progress, f => f.Reconnects),
            description: "Times a RabbitMQ forwarder reconnected, by queue.");
        meter.CreateObservableGauge("rabbitmq.forwarder.failing", () => PerQueue(progress, f => f.Failing is null ? 0 : 1),
            description: "1 while a RabbitMQ forwarder is failing (disconnected, reconnecting, the bus refusing), by queue.");
    }

    private static IEnumerable<Measurement<long>> PerQueue(IngestionProgress progress, Func<ForwarderStatus, long> value) =>
        progress.Forwarders.Select(f => new Measurement<long>(value(f), new KeyValuePair<string, object?>("queue", f.Queue)));
}
