using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.EventCenter.Adapters.RabbitMq;

/// <summary>Registers the RabbitMQ adapter of the event center: the forwarders of sources with a queue, their readiness check and meters.</summary>
public static class RabbitMqServices
{
    /// <summary>
    /// With a <paramref name="broker"/>: one forwarder per source with a RabbitMQ queue (a hosted service), the readiness
    /// check "rabbitmq" and <see cref="RabbitMqMetrics"/>. Without one nothing (settings validation rejects queues then).
    /// </summary>
    public static IServiceCollection AddRabbitMqForwarders(this IServiceCollection services, Uri? broker)
    {
        if (broker is null)
        {
            return services;
        }
        services.AddMetrics();
        services.TryAddSingleton<RabbitMqMetrics>();
        services.AddHostedService(sp =>
        {
            // Created with the meters so the forwarders' series exist from start-up.
            _ = sp.GetRequiredService<RabbitMqMetrics>();
            return ActivatorUtilities.CreateInstance<ForwarderService>(sp, broker);
        });
        services.AddExternalSystemCheck("rabbitmq", sp => new RabbitMqHealthCheck(broker, sp.GetRequiredService<IngestionProgress>()));
        return services;
    }
}
