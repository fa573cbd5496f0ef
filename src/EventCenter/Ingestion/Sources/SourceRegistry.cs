namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>The registered sources, looked up by name or by the topic carrying them.</summary>
public sealed class SourceRegistry
{
    private readonly Dictionary<string, SourceDefinition> byName;
    private readonly Dictionary<string, SourceDefinition> byTopic;

    /// <summary>Validates the definitions; names and topics must be unique.</summary>
    public SourceRegistry(IEnumerable<SourceDefinition> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        byName = new(StringComparer.Ordinal);
        byTopic = new(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            source.Validate();
            if (!byName.TryAdd(source.Name, source))
            {
                throw new ArgumentException($"Source '{source.Name}' is defined twice.");
            }
            foreach (var topic in source.EffectiveTopics)
            {
                if (!byTopic.TryAdd(topic, source))
                {
                    throw new ArgumentException($"Topic '{topic}' is claimed by sources '{byTopic[topic].Name}' and '{source.Name}'.");
                }
            }
        }
    }

    /// <summary>Every source, by name.</summary>
    public IReadOnlyCollection<SourceDefinition> All => byName.Values;

    /// <summary>Every topic carrying a source.</summary>
    public IReadOnlyCollection<string> Topics => byTopic.Keys;

    /// <summary>The source named <paramref name="name"/>, or null.</summary>
    public SourceDefinition? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>The source carried by <paramref name="topic"/>, or null.</summary>
    public SourceDefinition? ForTopic(string topic) => byTopic.GetValueOrDefault(topic);
}
