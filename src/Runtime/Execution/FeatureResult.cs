using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>One result row of a job for one triggering event.</summary>
/// <param name="Job">The job's name.</param>
/// <param name="JobVersion">The job version (content hash of its code) that computed it.</param>
/// <param name="Trigger">The triggering event.</param>
/// <param name="RowIndex">Position of the row among the rows the event produced (0 for single-row jobs).</param>
/// <param name="Values">Column name → value (long, double, bool, string or null), in the declared column order.</param>
public sealed record FeatureResult(string Job, string JobVersion, ChangeEvent Trigger, int RowIndex, IReadOnlyList<KeyValuePair<string, object?>> Values)
{
    /// <summary>The entity the row describes: the triggering event's key.</summary>
    public string Key => Trigger.EntityKey;

    /// <summary>The event time the features are valid at.</summary>
    public long EventTime => Trigger.EventTime;

    /// <summary>
    /// Identity of the row, the same every time the same event is computed by the same job (live, replay or
    /// re-delivery): consumers de-duplicate by it.
    /// </summary>
    public string ResultId => $"{Job}/{Trigger.Source}/{Trigger.EventId}/{RowIndex}";

    /// <summary>
    /// True when the row replaces one sent before (late-data repair or a correction replay): Kafka and RabbitMQ
    /// messages carry it as a flag, consumers replace the row with the same <see cref="ResultId"/>.
    /// </summary>
    public bool Correction { get; init; }

    /// <summary>
    /// The model versions the logic ran with: model name → version (empty string: none chosen) of every model the job
    /// declares; empty for jobs without models. Every output records it next to the job version.
    /// </summary>
    public IReadOnlyDictionary<string, string> Models { get; init; } = Runtime.Models.ModelBindings.None;
}

/// <summary>A failed computation, kept with everything needed to reproduce it.</summary>
/// <param name="Job">The job's name.</param>
/// <param name="JobVersion">The job module's version.</param>
/// <param name="Trigger">The event the logic failed on.</param>
/// <param name="ErrorType">Python exception type (or .NET type for host failures).</param>
/// <param name="Message">Error message.</param>
/// <param name="Traceback">Full Python traceback.</param>
/// <param name="At">When it failed, ms since the Unix epoch.</param>
public sealed record JobError(string Job, string JobVersion, ChangeEvent Trigger, string ErrorType, string Message, string Traceback, long At);
