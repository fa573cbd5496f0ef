namespace FeaturePlatform.EventCenter.Ingestion.Sources;

/// <summary>
/// The registered sources, looked up by name or by the topic carrying them. The set changes at run time (sources
/// registered, changed or deleted by admins, applied by <c>SourceSync</c> in every process): each change swaps one
/// immutable snapshot, so a reader always sees a consistent set, and <see cref="Changed"/> wakes whoever follows it
/// (ingest workers re-subscribe, forwarders start and stop).
/// </summary>
public sealed class SourceRegistry
{
    private readonly Lock gate = new();
    private Snapshot current;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Validates the definitions; names and topics must be unique.</summary>
    public SourceRegistry(IEnumerable<SourceDefinition> sources)
    {
        current = Snapshot.Build(sources, 0);
    }

    /// <summary>Every source, by name.</summary>
    public IReadOnlyCollection<SourceDefinition> All => Volatile.Read(ref current).ByName.Values;

    /// <summary>Every topic carrying a source.</summary>
    public IReadOnlyCollection<string> Topics => Volatile.Read(ref current).ByTopic.Keys;

    /// <summary>Incremented by every change of the set (0 at start).</summary>
    public long Version => Volatile.Read(ref current).Version;

    /// <summary>Completes at the next change of the set; take it before reading the set so no change is missed.</summary>
    public Task Changed => Volatile.Read(ref changed).Task;

    /// <summary>The source named <paramref name="name"/>, or null.</summary>
    public SourceDefinition? Find(string name) => Volatile.Read(ref current).ByName.GetValueOrDefault(name);

    /// <summary>The source carried by <paramref name="topic"/>, or null.</summary>
    public SourceDefinition? ForTopic(string topic) => Volatile.Read(ref current).ByTopic.GetValueOrDefault(topic);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the problem when <paramref name="sources"/> cannot form a registry
    /// (an invalid definition, a name defined twice, a topic claimed by two sources).
    /// </summary>
    public static void Validate(IEnumerable<SourceDefinition> sources) => Snapshot.Build(sources, 0);

    /// <summary>
    /// Replaces the set with <paramref name="sources"/> (validated first; on error nothing changes) when it differs;
    /// returns whether it did.
    /// </summary>
    public bool Replace(IEnumerable<SourceDefinition> sources)
    {
        lock (gate)
        {
            var old = current;
            var next = Snapshot.Build(sources, old.Version + 1);
            if (next.ByName.Count == old.ByName.Count && next.ByName.All(kv => old.ByName.TryGetValue(kv.Key, out var o) && SourceDefinitions.Same(o, kv.Value)))
            {
                return false;
            }
            Volatile.Write(ref current, next);
            Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return true;
        }
    }

    private sealed record Snapshot(long Version, Dictionary<string, SourceDefinition> ByName, Dictionary<string, SourceDefinition> ByTopic)
    {
        public static Snapshot Build(IEnumerable<SourceDefinition> sources, long version)
        {
            ArgumentNullException.ThrowIfNull(sources);
            var byName = new Dictionary<string, SourceDefinition>(StringComparer.Ordinal);
            var byTopic = new Dictionary<string, SourceDefinition>(StringComparer.Ordinal);
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
            return new Snapshot(version, byName, byTopic);
        }
    }
}
