using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// Where a job's results go: the feature store, a Kafka topic, a RabbitMQ exchange, the event center, backtest
/// files. Writes complete when the results are durable at the destination; they may be repeated for the same
/// results after a crash, so destinations are idempotent or carry <see cref="FeatureResult.ResultId"/>.
/// </summary>
public interface IJobOutput : IAsyncDisposable
{
    /// <summary>A short name for logs, e.g. "feature-store" or "kafka:features".</summary>
    string Name { get; }

    /// <summary>Writes a batch of results.</summary>
    ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken);
}
