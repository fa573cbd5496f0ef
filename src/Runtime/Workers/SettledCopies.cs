namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// The worker's copies of the settled fetch answers the host sent, per run scope: a replay fetches the same entities again
/// and again, and every as-of time inside an answer's range has that answer for the rest of the run (the host's
/// settled-state cache, <see cref="FeaturePlatform.EventCenter.Consistency.SettledStateCache"/>, makes the same promise),
/// so the worker answers those fetches itself instead of crossing to the host. Bounded: at most <see cref="MaxScopes"/>
/// runs (least recently used dropped) of at most <see cref="MaxEntries"/> entries each (a full scope starts over, as the
/// host's cache does). Thread-safe.
/// </summary>
internal sealed class SettledCopies
{
    /// <summary>Runs whose copies are kept at once (a lane runs a few side by side: replay shards, a backtest, repair).</summary>
    public const int MaxScopes = 4;

    /// <summary>Entries per run before its copies start over (the host cache's default capacity).</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock gate = new();
    private readonly List<Scope> scopes = [];

    /// <summary>The copies of run scope <paramref name="id"/> (0: none — the run's reads are not settled).</summary>
    public Scope? For(long id)
    {
        if (id == 0)
        {
            return null;
        }
        lock (gate)
        {
            var index = scopes.FindIndex(s => s.Id == id);
            Scope scope;
            if (index >= 0)
            {
                scope = scopes[index];
                scopes.RemoveAt(index);
            }
            else
            {
                scope = new Scope(id);
                if (scopes.Count == MaxScopes)
                {
                    scopes.RemoveAt(0);
                }
            }
            scopes.Add(scope); // most recently used last
            return scope;
        }
    }

    /// <summary>One run's copies.</summary>
    internal sealed class Scope(long id)
    {
        private readonly Lock gate = new();
        private readonly Dictionary<(string Source, string Key), (long From, long Until, string? Json, bool Forecast)> entries = [];
        private long forecastsUsed;

        public long Id { get; } = id;

        /// <summary>Answers sent ahead (<see cref="SettledForecast"/>) that a fetch has used so far (each counted once).</summary>
        public long ForecastsUsed
        {
            get
            {
                lock (gate)
                {
                    return forecastsUsed;
                }
            }
        }

        public bool TryGet(string source, string key, long asOfMs, out string? json)
        {
            lock (gate)
            {
                if (entries.TryGetValue((source, key), out var entry) && entry.From <= asOfMs && asOfMs < entry.Until)
                {
                    json = entry.Json;
                    if (entry.Forecast)
                    {
                        forecastsUsed++;
                        entries[(source, key)] = entry with { Forecast = false };
                    }
                    return true;
                }
            }
            json = null;
            return false;
        }

        /// <summary>Keeps a settled answer over its range; <paramref name="forecast"/>: sent ahead, not asked for (its first use is counted).</summary>
        public void Add(string source, string key, SettledRange range, string? json, bool forecast = false)
        {
            lock (gate)
            {
                if (entries.Count >= MaxEntries)
                {
                    entries.Clear();
                }
                entries[(source, key)] = (range.FromMs, range.UntilMs, json, forecast);
            }
        }
    }
}
