using FeaturePlatform.Runtime.Adapters.RabbitMq;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>Kinds of configured job outputs (backtest files are per replay run, not configured).</summary>
public enum JobOutputKind
{
    /// <summary>The feature store (<see cref="FeatureStore"/>).</summary>
    FeatureStore,

    /// <summary>A bus topic (<see cref="KafkaOutput"/>); needs <see cref="JobOutputSettings.Topic"/>.</summary>
    Kafka,

    /// <summary>A RabbitMQ exchange (<see cref="RabbitMqOutput"/>); needs <see cref="JobOutputSettings.Exchange"/>.</summary>
    RabbitMq,

    /// <summary>The event center (<see cref="EventCenterOutput"/>).</summary>
    EventCenter,
}

/// <summary>One configured output of a job, e.g. <c>{ "Kind": "Kafka", "Topic": "features.risk" }</c>.</summary>
public sealed record JobOutputSettings
{
    /// <summary>Where results go. Default: <see cref="JobOutputKind.FeatureStore"/>.</summary>
    public JobOutputKind Kind { get; init; } = JobOutputKind.FeatureStore;

    /// <summary>Kafka: the topic. Required for Kafka, not allowed otherwise.</summary>
    public string? Topic { get; init; }

    /// <summary>RabbitMQ: the exchange ("" for the default exchange). Required for RabbitMq, not allowed otherwise.</summary>
    public string? Exchange { get; init; }

    /// <summary>RabbitMQ: routing key template (placeholders {job}, {key} and {source}). Default: <c>{job}.{key}</c>.</summary>
    public string? RoutingKey { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the settings do not fit the kind.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentException($"JobOutputSettings.Kind {(int)Kind} is not one of {string.Join(", ", Enum.GetNames<JobOutputKind>())}.");
        }
        if (Kind == JobOutputKind.Kafka ? string.IsNullOrWhiteSpace(Topic) : Topic is not null)
        {
            throw new ArgumentException(Kind == JobOutputKind.Kafka ? "A Kafka output needs a Topic." : $"Topic applies to Kafka outputs only, not {Kind}.");
        }
        if (Kind == JobOutputKind.RabbitMq ? Exchange is null : Exchange is not null || RoutingKey is not null)
        {
            throw new ArgumentException(Kind == JobOutputKind.RabbitMq ? "A RabbitMq output needs an Exchange (\"\" for the default exchange)." : $"Exchange and RoutingKey apply to RabbitMq outputs only, not {Kind}.");
        }
        if (RoutingKey is not null)
        {
            if (RoutingKey.Length == 0)
            {
                throw new ArgumentException("RoutingKey must not be empty; leave it out for the default.");
            }
            _ = RoutingKeyTemplate.Parse(RoutingKey);
        }
    }
}
