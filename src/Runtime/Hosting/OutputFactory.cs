using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Adapters.RabbitMq;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// Turns configured <see cref="JobOutputSettings"/> into outputs. Dependencies a kind needs are given here; asking for a
/// kind whose dependency is missing fails with a message naming it.
/// </summary>
/// <param name="featureStore">The (shared) feature store: every FeatureStore output is this instance.</param>
/// <param name="bus">The bus for Kafka outputs, or null.</param>
/// <param name="events">The event store for EventCenter outputs, or null.</param>
/// <param name="rabbitMqUri">The broker for RabbitMq outputs (amqp://…), or null.</param>
/// <param name="loggers">Loggers, or null for none.</param>
/// <param name="presets">The admin's output presets jobs name in their declarations (<c>Runtime:Outputs</c>), or null for none.</param>
public sealed class OutputFactory(FeatureStore featureStore, IMessageBus? bus = null, IEventWriter? events = null, Uri? rabbitMqUri = null, ILoggerFactory? loggers = null,
    OutputPresets? presets = null)
{
    private readonly OutputPresets presets = presets ?? new OutputPresets();

    private readonly ILoggerFactory loggers = loggers ?? NullLoggerFactory.Instance;

    /// <summary>Creates the output <paramref name="settings"/> describe; the caller disposes it.</summary>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    /// <exception cref="InvalidOperationException">The kind's dependency was not given to the factory.</exception>
    public IJobOutput Create(JobOutputSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return settings.Kind switch
        {
            JobOutputKind.FeatureStore => featureStore,
            JobOutputKind.Kafka => new KafkaOutput(bus ?? throw Missing("a message bus", settings), settings.Topic!),
            JobOutputKind.RabbitMq => new RabbitMqOutput(
                new RabbitMqOutputOptions
                {
                    Uri = rabbitMqUri ?? throw Missing("a RabbitMQ URI", settings),
                    Exchange = settings.Exchange!,
                    RoutingKey = settings.RoutingKey ?? "{job}.{key}",
                },
                loggers.CreateLogger<RabbitMqOutput>()),
            _ => new EventCenterOutput(events ?? throw Missing("an event store", settings), loggers.CreateLogger<EventCenterOutput>()),
        };
    }

    /// <summary>
    /// Creates every output of a job. All settings are validated and every dependency checked before the first output
    /// is made, so a failure leaves nothing to dispose.
    /// </summary>
    public IReadOnlyList<IJobOutput> CreateAll(IReadOnlyList<JobOutputSettings> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var s in settings)
        {
            s.Validate();
            _ = s.Kind switch
            {
                JobOutputKind.Kafka => bus ?? throw Missing("a message bus", s),
                JobOutputKind.RabbitMq => rabbitMqUri ?? throw Missing("a RabbitMQ URI", s),
                JobOutputKind.EventCenter => events ?? throw Missing("an event store", s),
                _ => (object)featureStore,
            };
        }
        return settings.Select(Create).ToList();
    }

    /// <summary>
    /// Creates the outputs of <paramref name="job"/>: those configured for it (<see cref="JobSettings.Outputs"/>) and the
    /// presets its declaration names (<c>@job(sinks=…)</c>), resolved from the version it runs at each write; a job with
    /// neither writes to the feature store.
    /// </summary>
    public IReadOnlyList<IJobOutput> CreateFor(Jobs.RegisteredJob job, JobSettings settings)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(settings);
        return [.. CreateAll(settings.Outputs), new DeclaredOutputs(job, presets, Create, settings.Outputs.Count == 0 ? new JobOutputSettings() : null)];
    }

    /// <summary>Creates every output of a job; on a failure the ones already created are disposed.</summary>
    public async ValueTask<IReadOnlyList<IJobOutput>> CreateAllAsync(IReadOnlyList<JobOutputSettings> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var outputs = new List<IJobOutput>(settings.Count);
        try
        {
            foreach (var s in settings)
            {
                outputs.Add(Create(s));
            }
            return outputs;
        }
        catch
        {
            foreach (var output in outputs)
            {
                await output.DisposeAsync();
            }
            throw;
        }
    }

    private static InvalidOperationException Missing(string what, JobOutputSettings settings) =>
        new($"A {settings.Kind} output needs {what}, but the output factory was created without one.");
}
