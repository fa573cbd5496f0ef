namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// Admin-defined sinks an author names in a job's declaration (<c>@job(sinks=["risk_topic"])</c>) instead of asking
/// for per-job output configuration (section <c>Runtime:Outputs</c>): e.g.
/// <c>Runtime:Outputs:Presets:risk_topic:Kind=Kafka</c>, <c>…:Topic=features.risk</c>.
/// </summary>
public sealed record OutputPresets
{
    /// <summary>The preset every platform has: the feature store.</summary>
    public const string FeatureStore = "feature_store";

    /// <summary>Presets by name: each a Kafka topic, a RabbitMQ exchange (with routing key), the event center or the feature store. Default: none (only <see cref="FeatureStore"/>).</summary>
    public IReadOnlyDictionary<string, JobOutputSettings> Presets { get; init; } = new Dictionary<string, JobOutputSettings>();

    /// <summary>Every preset's name, <see cref="FeatureStore"/> included, sorted.</summary>
    public IReadOnlyList<string> Names => [.. Presets.Keys.Append(FeatureStore).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The preset named <paramref name="name"/>, or null when there is none.</summary>
    public JobOutputSettings? Find(string name) =>
        Presets.TryGetValue(name, out var preset) ? preset : name == FeatureStore ? new JobOutputSettings() : null;

    /// <summary>The first of <paramref name="sinks"/> that names no preset, or null.</summary>
    public string? Unknown(IEnumerable<string> sinks) => sinks.FirstOrDefault(s => Find(s) is null);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first preset whose settings do not fit its kind.</summary>
    public void Validate()
    {
        foreach (var (name, preset) in Presets)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new ArgumentException($"Runtime:Outputs:Presets: '{name}' is no preset name (letters, digits, '_', '-' or '.').");
            }
            try
            {
                preset.Validate();
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Runtime:Outputs:Presets:{name}: {e.Message}", e);
            }
        }
    }
}
