using FeaturePlatform.EventCenter.Bus;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>Registers the Kafka adapter: the message bus on Confluent.Kafka (librdkafka.redist).</summary>
public static class KafkaServices
{
    /// <summary>Kafka as the <see cref="IMessageBus"/>; options are validated now.</summary>
    public static IServiceCollection AddKafkaBus(this IServiceCollection services, KafkaBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton<IMessageBus>(_ => new KafkaMessageBus(options));
        return services;
    }
}
