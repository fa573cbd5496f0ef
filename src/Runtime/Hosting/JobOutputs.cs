using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Tables;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>Builds a job's configured outputs. Adding an output kind is one line in <see cref="Builders"/>.</summary>
internal static class JobOutputs
{
    /// <summary>The kinds this build can write, and how to build each.</summary>
    private static readonly Dictionary<OutputKind, Func<OutputSettings, string, IServiceProvider, IJobOutput>> Builders = new()
    {
        [OutputKind.FeatureStore] = (_, _, services) => services.GetRequiredService<FeatureStore>(),
        [OutputKind.Kafka] = (o, _, services) => Factory(services).Create(new JobOutputSettings { Kind = JobOutputKind.Kafka, Topic = o.Topic }),
        [OutputKind.RabbitMq] = (o, _, services) => Factory(services).Create(new JobOutputSettings { Kind = JobOutputKind.RabbitMq, Exchange = o.Exchange, RoutingKey = o.RoutingKey }),
        [OutputKind.EventCenter] = (_, _, services) => Factory(services).Create(new JobOutputSettings { Kind = JobOutputKind.EventCenter }),
    };

    /// <summary>The output factory over the host's bus, event store and RabbitMQ broker (EventCenter:RabbitMqUri).</summary>
    private static OutputFactory Factory(IServiceProvider services) => new(
        services.GetRequiredService<FeatureStore>(),
        services.GetRequiredService<IMessageBus>(),
        services.GetRequiredService<IEventStore>(),
        services.GetRequiredService<EventCenterSettings>().RabbitMqUri,
        services.GetService<ILoggerFactory>());

    /// <summary>Whether this build supports <paramref name="kind"/>.</summary>
    public static bool Supports(OutputKind kind) => Builders.ContainsKey(kind);

    /// <summary>The outputs of <paramref name="job"/>.</summary>
    public static IReadOnlyList<IJobOutput> Create(IReadOnlyList<OutputSettings> outputs, string job, IServiceProvider services) =>
        outputs.Select(o => Builders.TryGetValue(o.Kind, out var build)
            ? build(o, job, services)
            : throw new NotSupportedException($"Job '{job}': output kind {o.Kind} is not available in this build.")).ToList();
}
