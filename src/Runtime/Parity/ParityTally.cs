namespace FeaturePlatform.Runtime.Parity;

/// <summary>The running counts and listed differences of one parity check; thread-safe (read while the check runs).</summary>
/// <param name="maxDifferences">Differences listed at most.</param>
/// <param name="shifts">When set, every compared row's values also go into per-column distributions (backtests against live).</param>
internal sealed class ParityTally(int maxDifferences, FeatureShiftTally? shifts = null)
{
    private readonly Lock gate = new();
    private readonly List<ParityDifference> differences = [];
    private readonly Dictionary<string, long> byCause = new(StringComparer.Ordinal);
    private long computations;
    private long equal;
    private long differing;
    private long liveMissing;
    private long replayMissing;
    private long corrected;
    private bool truncated;

    /// <summary>Counts <paramref name="compared"/>.</summary>
    public void Add(IReadOnlyList<ComputationParity> compared)
    {
        lock (gate)
        {
            foreach (var c in compared)
            {
                computations++;
                foreach (var row in c.Rows)
                {
                    shifts?.Add(row.Live, row.Replay);
                    switch (row.Outcome)
                    {
                        case RowOutcome.Equal:
                            equal++;
                            continue;
                        case RowOutcome.Differing:
                            differing++;
                            break;
                        case RowOutcome.LiveMissing:
                            liveMissing++;
                            break;
                        default:
                            replayMissing++;
                            break;
                    }
                    var (cause, detail) = c.Cause!.Value;
                    var text = ParityText.Of(cause);
                    byCause[text] = byCause.GetValueOrDefault(text) + 1;
                    if (differences.Count >= maxDifferences)
                    {
                        truncated = true;
                        continue;
                    }
                    differences.Add(new ParityDifference(c.Trigger.Source, c.Trigger.EventId, c.Trigger.EntityKey, c.Trigger.EventTime, row.RowIndex,
                        ParityText.Of(row.Outcome), Json(row.Live), Json(row.Replay), text, detail, c.Live?.Version, c.ReplayVersion, c.Live?.Revision));
                }
            }
        }
    }

    private static System.Text.Json.JsonElement? Json(string? row)
    {
        if (row is null)
        {
            return null;
        }
        using var doc = System.Text.Json.JsonDocument.Parse(row);
        return doc.RootElement.Clone();
    }

    /// <summary>Counts rows rewritten by a correction.</summary>
    public void AddCorrected(int rows)
    {
        lock (gate)
        {
            corrected += rows;
        }
    }

    /// <summary>The counts so far.</summary>
    public ParityCounts Counts()
    {
        lock (gate)
        {
            return new ParityCounts(computations, equal, differing, liveMissing, replayMissing, new Dictionary<string, long>(byCause, StringComparer.Ordinal), corrected);
        }
    }

    /// <summary>Per-column distribution shift over every row compared so far (null: not asked for).</summary>
    public IReadOnlyList<FeatureShift>? Shifts() => shifts?.Shifts();

    /// <summary>The differences listed so far and whether more were left out.</summary>
    public (IReadOnlyList<ParityDifference> Differences, bool Truncated) Listed()
    {
        lock (gate)
        {
            return ([.. differences], truncated);
        }
    }
}
