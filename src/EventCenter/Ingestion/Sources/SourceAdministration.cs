using System.Text.RegularExpressions;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.MetadataStore;

namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>
/// Registers, changes and deletes sources at run time: validates a definition against the format's rules, the other
/// sources, the configured brokers and databases and the bus (on Kafka its topics must exist; the embedded bus creates
/// them), stores it in the metadata store and applies it in this process at once; every other process picks it up
/// within <see cref="MetadataSettings.PollInterval"/> (<see cref="SourceSync"/>).
/// </summary>
public sealed partial class SourceAdministration(SourceRegistry registry, SourceSync sync, IMetadataStore store, IMessageBus bus, SourceAdministrationOptions options)
{
    /// <summary>Registers a new source.</summary>
    /// <exception cref="SourceValidationException">The definition is unusable (names the field).</exception>
    /// <exception cref="MetadataConflictException">A source of that name exists.</exception>
    public async Task<MetadataRecord> CreateAsync(SourceDefinition source, string changedBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (registry.Find(source.Name) is not null)
        {
            throw new MetadataConflictException(SourceSync.Kind, source.Name, MetadataExpectation.None, await store.GetAsync(SourceSync.Kind, source.Name, cancellationToken)
                ?? new MetadataRecord(SourceSync.Kind, source.Name, SourceDefinitions.ToJson(source), 0, "configuration", 0));
        }
        await ValidateAsync(source, cancellationToken);
        var record = await store.WriteAsync(SourceSync.Kind, source.Name, SourceDefinitions.ToJson(source), MetadataExpectation.None, changedBy, cancellationToken);
        await ApplyAsync(cancellationToken);
        return record;
    }

    /// <summary>Replaces the definition of an existing source (stored or from configuration).</summary>
    /// <returns>The record written, or null when no source has that name.</returns>
    public async Task<MetadataRecord?> UpdateAsync(SourceDefinition source, long? expectedRevision, string changedBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (registry.Find(source.Name) is null)
        {
            return null;
        }
        await ValidateAsync(source, cancellationToken);
        var expected = expectedRevision is { } r ? MetadataExpectation.At(r) : MetadataExpectation.Any;
        var record = await store.WriteAsync(SourceSync.Kind, source.Name, SourceDefinitions.ToJson(source), expected, changedBy, cancellationToken);
        await ApplyAsync(cancellationToken);
        return record;
    }

    /// <summary>Deletes a source (its stored events stay); returns the tombstone, or null when no source has that name.</summary>
    public async Task<MetadataRecord?> DeleteAsync(string name, string changedBy, CancellationToken cancellationToken = default)
    {
        if (registry.Find(name) is null)
        {
            return null;
        }
        var record = await store.WriteAsync(SourceSync.Kind, name, null, MetadataExpectation.Any, changedBy, cancellationToken);
        await ApplyAsync(cancellationToken);
        return record;
    }

    /// <summary>Checks <paramref name="source"/> as a replacement of (or addition to) the current set.</summary>
    /// <exception cref="SourceValidationException">The definition is unusable.</exception>
    public async Task ValidateAsync(SourceDefinition source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!NamePattern().IsMatch(source.Name))
        {
            throw new SourceValidationException("name", $"'{source.Name}' is not a valid source name: use 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
        if (source.Topics.FirstOrDefault(t => !NamePattern().IsMatch(t)) is { } badTopic)
        {
            throw new SourceValidationException("topics", $"'{badTopic}' is not a valid topic name: use letters, digits, '.', '_' or '-'.");
        }
        if (source.Format == SourceFormat.Json && source.KeyFields.Count == 0)
        {
            throw new SourceValidationException("keyFields", "a Json source needs keyFields: the paths of the entity key in each message, e.g. [\"user_id\"].");
        }
        if (source.Format != SourceFormat.Json && (source.TimeField is not null || source.IdField is not null))
        {
            throw new SourceValidationException(source.TimeField is not null ? "timeField" : "idField",
                $"a {source.Format} source takes event time and identity from the change envelope; remove timeField and idField (they apply to Json sources).");
        }
        if (source.KeyFields.Concat([source.TimeField, source.IdField]).Any(p => p is not null && !PathPattern().IsMatch(p)))
        {
            throw new SourceValidationException("keyFields", "keyFields, timeField and idField are dot-separated field paths, e.g. \"user.id\".");
        }
        if (source.RabbitQueue is not null && !options.RabbitMqConfigured)
        {
            throw new SourceValidationException("rabbitQueue", "no RabbitMQ broker is configured (EventCenter:RabbitMqUri); remove rabbitQueue or configure the broker.");
        }
        if (source.Mirror is { } mirror && !options.SourceDatabases.Contains(mirror.Connection))
        {
            throw new SourceValidationException("mirror.connection",
                $"'{mirror.Connection}' is not a configured source database (EventCenter:SourceDatabases has: {string.Join(", ", options.SourceDatabases)}).");
        }
        try
        {
            source.Validate();
            SourceRegistry.Validate(registry.All.Where(s => s.Name != source.Name).Append(source));
        }
        catch (ArgumentException e)
        {
            var field = e.Message.Contains("Topic", StringComparison.Ordinal) ? "topics"
                : e.Message.Contains("MaxOutOfOrderness", StringComparison.Ordinal) ? "maxOutOfOrderness"
                : e.Message.Contains("MaxDelay", StringComparison.Ordinal) ? "maxDelay"
                : e.Message.Contains("MaxMessageBytes", StringComparison.Ordinal) ? "maxMessageBytes"
                : e.Message.Contains("Fields", StringComparison.Ordinal) ? "fields" : "name";
            throw new SourceValidationException(field, e.Message);
        }
        foreach (var topic in source.EffectiveTopics)
        {
            if (options.TopicsMustExist)
            {
                if (await bus.GetPartitionCountAsync(topic, cancellationToken) is null)
                {
                    throw new SourceValidationException("topics", $"topic '{topic}' does not exist on the bus; create it first (the platform does not create topics of run-time sources on Kafka) or name an existing topic.");
                }
            }
            else
            {
                await bus.CreateTopicAsync(topic, options.TopicPartitions, cancellationToken);
            }
        }
    }

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        await sync.SyncOnceAsync(cancellationToken);
        sync.Pulse();
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$")]
    private static partial Regex PathPattern();
}

/// <summary>What run-time source administration needs to know of the host.</summary>
/// <param name="TopicsMustExist">True on Kafka: a source's topics must exist; false (embedded bus): they are created.</param>
/// <param name="TopicPartitions">Partitions of topics created.</param>
/// <param name="RabbitMqConfigured">True when a RabbitMQ broker is configured for forwarded sources.</param>
/// <param name="SourceDatabases">Names of the configured source databases.</param>
public sealed record SourceAdministrationOptions(bool TopicsMustExist, int TopicPartitions, bool RabbitMqConfigured, IReadOnlySet<string> SourceDatabases);

/// <summary>A source definition that cannot be used; <see cref="Field"/> names the field.</summary>
public sealed class SourceValidationException(string field, string message) : Exception(message)
{
    /// <summary>The field at fault (camelCase, as in the API's JSON).</summary>
    public string Field { get; } = field;
}
