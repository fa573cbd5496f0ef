using System.Runtime.CompilerServices;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// The settled answers a worker's batch will fetch, read by the host ahead and sent with the batch. A replay's logic
/// typically fetches a source by the triggering event's key as of the event's time; each entity's first such fetch would
/// otherwise cross to the host one synchronous round trip at a time (measured: a round trip costs ~100× what a fetch
/// answered from the worker's copies costs). Once a fetch that crossed for a run matched that pattern — source S, the key
/// and time of an event of its batch — the host reads the settled states of S for the following batches' events (those
/// it has not answered yet) and sends them with each batch.
/// </summary>
/// <remarks>
/// A forecast is a settled answer with its own as-of range, kept in the worker like any other (<see cref="SettledCopies"/>):
/// used only for a fetch inside that range, and reported to the host as read when used. So a wrong forecast costs a read
/// on the host, never a wrong answer; a scope whose forecasts mostly go unused stops forecasting until a fetch that
/// crosses matches the pattern again. Thread-safe.
/// </remarks>
internal sealed class SettledForecast
{
    /// <summary>Most answers read ahead for one batch (bounds the host's work before the batch leaves).</summary>
    public const int MaxPerBatch = 10_000;

    /// <summary>
    /// Events of a scope's first batch that run alone (see <see cref="Probing"/>): enough for a fetch of each to show the
    /// pattern, few enough that their crossings cost little.
    /// </summary>
    public const int ProbeSize = 16;

    /// <summary>Fewest forecasts of a batch before their use is judged (a few unused ones say little).</summary>
    private const int JudgeAfter = 16;

    private readonly ConditionalWeakTable<object, Pattern> patterns = [];

    /// <summary>Notes a fetch that crossed to the host for a run of settled scope <paramref name="scope"/>.</summary>
    public void Crossed(object scope, EventKeys batch, int eventIndex, string source, string key, long asOfMs)
    {
        var pattern = patterns.GetOrCreateValue(scope);
        if (!pattern.Knows(source) && batch.Has(eventIndex, key, asOfMs))
        {
            pattern.Learn(source);
        }
    }

    /// <summary>The settled answers of the learned sources for <paramref name="events"/> that the host has not answered yet.</summary>
    public async Task<IReadOnlyList<SettledAnswer>> ForecastAsync(ISettledFetches settled, object scope, IReadOnlyList<FeatureEvent> events,
        CancellationToken cancellationToken)
    {
        if (!patterns.TryGetValue(scope, out var pattern) || pattern.Sources() is not { Length: > 0 } sources)
        {
            return [];
        }
        var answers = new List<SettledAnswer>();
        foreach (var e in events)
        {
            foreach (var source in sources)
            {
                // Held by the host: answered before (so the worker holds it) or read ahead for an earlier event of this batch.
                if (settled.TryGetSettledRange(source, e.Key, e.TimeMs, out _, out _))
                {
                    continue;
                }
                if (await settled.ReadSettledAsync(source, e.Key, e.TimeMs, cancellationToken) is { } read)
                {
                    answers.Add(new SettledAnswer(source, e.Key, new SettledRange(read.FromMs, read.UntilMs), read.Json));
                    if (answers.Count == MaxPerBatch)
                    {
                        return answers;
                    }
                }
            }
        }
        return answers;
    }

    /// <summary>
    /// True until a run of <paramref name="scope"/> has finished: its batches then go without forecasts, so their first
    /// <see cref="ProbeSize"/> events run alone first and the rest goes with what those showed.
    /// </summary>
    public bool Probing(object scope) => !patterns.GetOrCreateValue(scope).Probed;

    /// <summary>A run of <paramref name="scope"/> finished: its batches are forecast from what it showed (or not at all).</summary>
    public void Probed(object scope) => patterns.GetOrCreateValue(scope).Probed = true;

    /// <summary>A batch of <paramref name="scope"/> used <paramref name="used"/> of the <paramref name="sent"/> answers forecast for it.</summary>
    public void Judge(object scope, int sent, int used)
    {
        if (sent >= JudgeAfter && used * 2 < sent && patterns.TryGetValue(scope, out var pattern))
        {
            pattern.Forget();
        }
    }

    /// <summary>The sources a scope's logic fetches by its events' keys and times.</summary>
    private sealed class Pattern
    {
        private readonly Lock gate = new();
        private volatile string[] sources = [];

        private volatile bool probed;

        public bool Probed
        {
            get => probed;
            set => probed = value;
        }

        public bool Knows(string source) => Array.IndexOf(sources, source) >= 0;

        public string[] Sources() => sources;

        public void Learn(string source)
        {
            lock (gate)
            {
                if (!Knows(source))
                {
                    sources = [.. sources, source];
                }
            }
        }

        public void Forget() => sources = [];
    }
}

/// <summary>Whether a batch has an event of a given key and time (built on first use: most batches never ask).</summary>
internal sealed class EventKeys(IReadOnlyList<FeatureEvent> events)
{
    private HashSet<(string Key, long TimeMs)>? keys;

    /// <summary>
    /// True when the batch has an event of <paramref name="key"/> at <paramref name="timeMs"/>; <paramref name="eventIndex"/>
    /// is looked at first (a tracked run's reads name their event; an untracked run's index means nothing).
    /// </summary>
    public bool Has(int eventIndex, string key, long timeMs)
    {
        if ((uint)eventIndex < (uint)events.Count && events[eventIndex].TimeMs == timeMs && events[eventIndex].Key == key)
        {
            return true;
        }
        keys ??= [.. events.Select(e => (e.Key, e.TimeMs))];
        return keys.Contains((key, timeMs));
    }
}
