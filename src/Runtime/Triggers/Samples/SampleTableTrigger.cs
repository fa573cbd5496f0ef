using System.Globalization;
using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;

namespace FeaturePlatform.Runtime.Triggers.Samples;

/// <summary>
/// Runs a job once per row of a sample table of (key, time[, label]) rows — a backtest on chosen entities at chosen
/// instants. Each row becomes the change event the logic runs on: the trigger source's entity as of the row's time
/// (its last stored event at or before that time; its after-image is the event's data), stamped with the row's
/// time, so every fetch of the logic defaults to that instant and can never see later data.
/// </summary>
/// <remarks>
/// <para>The event of line <c>n</c> has event id <c>sample:n</c> (deterministic, so a rerun of the same table gives the
/// same result ids), position <c>(sample:&lt;file name&gt;, 0, n)</c>, and carries the row's label and line in its
/// <see cref="ChangeEvent.Headers"/> under <see cref="LabelHeader"/> and <see cref="LineHeader"/>: every
/// <see cref="Execution.FeatureResult"/> keeps its triggering event, so a backtest output reads the label from
/// <c>result.Trigger.Headers</c>. When the entity has no state at that time (never seen, or deleted) the event has
/// no data (the logic gets an empty <c>event.data</c>) and operation <see cref="EventOperation.Delete"/>; otherwise
/// its operation is <see cref="EventOperation.SnapshotRead"/>.</para>
/// <para>The file is streamed; bad rows (unparseable time, empty key, wrong field count, invalid JSON) are skipped and
/// listed in <see cref="BadRows"/> with their line numbers. A CSV whose header lacks the key or time column fails the
/// read with <see cref="InvalidDataException"/>.</para>
/// </remarks>
public sealed class SampleTableTrigger : ITrigger
{
    /// <summary>Header carrying the row's label (absent when the row has none).</summary>
    public const string LabelHeader = "sample.label";

    /// <summary>Header carrying the row's 1-based line number in the file.</summary>
    public const string LineHeader = "sample.line";

    private readonly IEventReader events;
    private readonly string source;
    private readonly string path;
    private readonly SampleTableOptions options;
    private readonly List<SampleRowError> badRows = [];
    private long badRowCount;

    private SampleTableTrigger(IEventReader events, string source, string path, SampleTableOptions options, long estimatedTotal)
    {
        this.events = events;
        this.source = source;
        this.path = path;
        this.options = options;
        EstimatedTotal = estimatedTotal;
    }

    /// <summary>Opens <paramref name="path"/> and counts its lines (a cheap upper bound of the rows, for progress).</summary>
    /// <param name="events">The event center.</param>
    /// <param name="source">The trigger source whose entities the rows name.</param>
    /// <param name="path">The sample table.</param>
    /// <param name="options">Layout and batch settings.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    public static async Task<SampleTableTrigger> OpenAsync(IEventReader events, string source, string path, SampleTableOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentException.ThrowIfNullOrEmpty(source);
        options ??= new SampleTableOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FetchParallelism, 1);
        var total = await SampleTableReader.CountRowsAsync(path, options, cancellationToken);
        return new SampleTableTrigger(events, source, Path.GetFullPath(path), options, total);
    }

    /// <inheritdoc />
    public string Description => $"sample {source} from {options.Name ?? Path.GetFileName(path)}";

    /// <inheritdoc />
    public long? EstimatedTotal { get; }

    /// <summary>The file.</summary>
    public string FilePath => path;

    /// <summary>Bad rows seen so far (the first <see cref="SampleTableOptions.MaxReportedBadRows"/>), in file order.</summary>
    public IReadOnlyList<SampleRowError> BadRows
    {
        get
        {
            lock (badRows)
            {
                return [.. badRows];
            }
        }
    }

    /// <summary>Number of bad rows seen so far.</summary>
    public long BadRowCount => Interlocked.Read(ref badRowCount);

    /// <inheritdoc />
    public async IAsyncEnumerable<TriggerBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rows = new List<SampleRow>(options.BatchSize);
        await foreach (var entry in SampleTableReader.ReadAsync(path, options, cancellationToken))
        {
            if (entry.Error is { } error)
            {
                Report(error);
                continue;
            }
            rows.Add(entry.Row!);
            if (rows.Count == options.BatchSize)
            {
                yield return new TriggerBatch(await ToEventsAsync(rows, cancellationToken));
                rows = new List<SampleRow>(options.BatchSize);
            }
        }
        if (rows.Count > 0)
        {
            yield return new TriggerBatch(await ToEventsAsync(rows, cancellationToken));
        }
    }

    private void Report(SampleRowError error)
    {
        Interlocked.Increment(ref badRowCount);
        lock (badRows)
        {
            if (badRows.Count < options.MaxReportedBadRows)
            {
                badRows.Add(error);
            }
        }
    }

    private async Task<IReadOnlyList<ChangeEvent>> ToEventsAsync(List<SampleRow> rows, CancellationToken cancellationToken)
    {
        // The state reads of a batch are independent point reads: run several at a time.
        var states = new ChangeEvent?[rows.Count];
        await Parallel.ForAsync(0, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = options.FetchParallelism, CancellationToken = cancellationToken },
            async (i, ct) => states[i] = await events.GetLatestEventAsync(source, rows[i].Key, rows[i].Time, ct));
        var stream = "sample:" + Path.GetFileName(path);
        var result = new ChangeEvent[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var state = states[i] is { IsDelete: false } s ? s : null;
            var line = row.Line.ToString(CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, string>(2, StringComparer.Ordinal) { [LineHeader] = line };
            if (row.Label is not null)
            {
                headers[LabelHeader] = row.Label;
            }
            result[i] = new ChangeEvent
            {
                Source = source,
                EntityKey = row.Key,
                Operation = state is null ? EventOperation.Delete : EventOperation.SnapshotRead,
                EventTime = row.Time,
                IngestTime = state?.IngestTime ?? row.Time,
                Position = new SourcePosition(stream, 0, row.Line),
                EventId = "sample:" + line,
                After = state?.After,
                Headers = headers,
            };
        }
        return result;
    }
}
