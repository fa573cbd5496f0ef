using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.EventCenter.Adapters.Kafka;

/// <summary>Registers the Kafka adapter: the message bus on Confluent.Kafka (librdkafka.redist), its readiness check and meters.</summary>
public static class KafkaServices
{
    /// <summary>Kafka as the <see cref="IMessageBus"/> (options validated now), counted on <see cref="KafkaMetrics"/>, with the readiness check "bus".</summary>
    public static IServiceCollection AddKafkaBus(this IServiceCollection services, KafkaBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddMetrics();
        services.TryAddSingleton<KafkaMetrics>();
        services.AddSingleton<IMessageBus>(sp => new KafkaMessageBus(options, sp.GetRequiredService<KafkaMetrics>()));
        var description = new Dictionary<string, object> { ["kind"] = "kafka", ["bootstrapServers"] = options.BootstrapServers };
        services.AddExternalSystemCheck("bus", sp => new BusHealthCheck(sp.GetRequiredService<IMessageBus>(), sp.GetRequiredService<SourceRegistry>(), description));
        return services;
    }
}
