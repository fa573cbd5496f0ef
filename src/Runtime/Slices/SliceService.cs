using System.Collections.Concurrent;
using System.Text.Json;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.Runtime.Exports;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Replay;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Slices;

/// <summary>
/// Slices (切片) of sources: the state of every entity as of T (<see cref="SliceReader"/>) written as
/// <c>slice.parquet</c> and <c>slice.csv</c> (<see cref="SliceTable"/>) with a <c>slice.json</c> record, in
/// <c>&lt;Runtime:Slices:Directory&gt;/&lt;id&gt;</c>. Each slice runs in the background with progress (events scanned,
/// entities); the service owns and awaits every slice's task. Records survive restarts (read back from the directory).
/// </summary>
public sealed class SliceService(IEventReader events, SourceRegistry sources, IWatermarkStore watermarks, RuntimeSettings settings, EventCenterSettings eventCenter,
    TimeProvider clock, ILogger<SliceService> logger) : IAsyncDisposable
{
    /// <summary>The Parquet file's name.</summary>
    public const string ParquetFile = "slice.parquet";

    /// <summary>The CSV file's name.</summary>
    public const string CsvFile = "slice.csv";

    /// <summary>The record's name.</summary>
    public const string RecordFile = "slice.json";

    private readonly ConcurrentDictionary<string, SliceRun> running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource disposing = new();

    /// <summary>Where slices go.</summary>
    public string Root => Path.GetFullPath(settings.Slices.Directory ?? Path.Combine(eventCenter.DataDirectory, "slices"));

    /// <summary>Starts a slice of <paramref name="source"/> as of <paramref name="asOf"/>; returns its id.</summary>
    /// <exception cref="KeyNotFoundException">No source has that name.</exception>
    public string Start(string source, long asOf, string requestedBy, bool scheduled = false)
    {
        ObjectDisposedException.ThrowIf(disposing.IsCancellationRequested, this);
        if (sources.Find(source) is null)
        {
            throw new KeyNotFoundException($"There is no source '{source}'.");
        }
        var now = clock.GetUtcNow();
        var id = $"slice-{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var directory = Path.Combine(Root, id);
        var run = new SliceRun(new SliceRecord(id, source, asOf, requestedBy, scheduled, "Running", now, null, null, 0, 0, null, false, null));
        running[id] = run;
        run.Execution = Task.Run(() => ExecuteAsync(run, directory), CancellationToken.None);
        return id;
    }

    /// <summary>The slice's record (with progress while it runs), or null when unknown.</summary>
    public SliceRecord? Get(string id) => running.TryGetValue(id, out var run) ? run.Record : Read(id);

    /// <summary>Every slice (of <paramref name="source"/>, or all), newest first.</summary>
    public IReadOnlyList<SliceRecord> List(string? source = null)
    {
        // This process's runs are taken before the records on disk: a run that ends meanwhile (its final record written,
        // then it leaves the running set) still answers with its final record, never with the "Running" record read from
        // disk while it ran, which reads as a stopped host's (seen: a slice of 22 ms listed as Failed, and the page stopped
        // polling it).
        var runs = running.Values.ToList();
        var all = new Dictionary<string, SliceRecord>(StringComparer.Ordinal);
        if (Directory.Exists(Root))
        {
            foreach (var directory in Directory.EnumerateDirectories(Root))
            {
                if (Read(Path.GetFileName(directory)) is { } record)
                {
                    all[record.Id] = record;
                }
            }
        }
        foreach (var run in runs.Concat(running.Values))
        {
            all[run.Record.Id] = run.Record;
        }
        // A run that started and ended while the disk was read: its final record is on disk now.
        foreach (var stale in all.Values.Where(r => r.FailureReason == HostStopped).ToList())
        {
            if (Read(stale.Id) is { } again)
            {
                all[stale.Id] = again;
            }
        }
        return [.. all.Values.Where(r => source is null || r.Source == source).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    /// <summary>The path of a finished slice's file (<see cref="ParquetFile"/> or <see cref="CsvFile"/>), or null.</summary>
    public string? FileOf(string id, string file) =>
        IsId(id) && Get(id) is { State: "Completed" } ? Path.Combine(Root, id, file) is var path && File.Exists(path) ? path : null : null;

    /// <summary>Waits until the slice has ended; its final record (null when unknown).</summary>
    public async Task<SliceRecord?> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        if (running.TryGetValue(id, out var run))
        {
            await run.Execution.WaitAsync(cancellationToken);
        }
        return Get(id);
    }

    /// <summary>Stops running slices and awaits them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposing.IsCancellationRequested)
        {
            return;
        }
        await disposing.CancelAsync();
        await Task.WhenAll(running.Values.Select(r => r.Execution));
        disposing.Dispose();
    }

    private async Task ExecuteAsync(SliceRun run, string directory)
    {
        var record = run.Record;
        try
        {
            Directory.CreateDirectory(directory);
            Write(directory, record);
            var watermark = await watermarks.GetEventTimeAsync(record.Source, disposing.Token);
            var states = await SliceReader.ReadAsync(events, record.Source, record.AsOf, scanned => run.Record = run.Record with { EventsScanned = scanned }, disposing.Token);
            var columns = SliceTable.ColumnsOf(states);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["featureplatform.source"] = record.Source,
                ["featureplatform.as_of"] = record.AsOf.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["featureplatform.watermark"] = watermark?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                ["featureplatform.complete"] = (watermark >= record.AsOf) ? "true" : "false",
                ["featureplatform.slice_id"] = record.Id,
            };
            await using (var parquet = await ParquetTableWriter.CreateAsync(Path.Combine(directory, ParquetFile), columns, cancellationToken: disposing.Token))
            await using (var csv = CsvTableWriter.Create(Path.Combine(directory, CsvFile), columns))
            {
                foreach (var state in states)
                {
                    var row = SliceTable.RowOf(state, columns);
                    await parquet.AppendAsync(row, disposing.Token);
                    await csv.AppendAsync(row, disposing.Token);
                }
                await parquet.CompleteAsync(metadata, disposing.Token);
                await csv.CompleteAsync(cancellationToken: disposing.Token);
            }
            record = run.Record with
            {
                State = "Completed", EndedAt = clock.GetUtcNow(), Entities = states.Count, Watermark = watermark, Complete = watermark >= record.AsOf,
                Columns = [.. columns.Select(c => new SliceColumn(c.Name, c.Type.ToString().ToLowerInvariant()))],
            };
        }
        catch (OperationCanceledException) when (disposing.IsCancellationRequested)
        {
            record = run.Record with { State = "Cancelled", EndedAt = clock.GetUtcNow(), FailureReason = "the host stopped" };
        }
        catch (Exception e)
        {
            logger.LogError(e, "Slice {Id} of {Source} as of {AsOf} failed", record.Id, record.Source, record.AsOf);
            record = run.Record with { State = "Failed", EndedAt = clock.GetUtcNow(), FailureReason = $"{e.GetType().Name}: {e.Message}" };
        }
        try
        {
            Write(directory, record);
        }
        catch (IOException e)
        {
            logger.LogError(e, "Slice {Id}: could not write its record", record.Id);
        }
        run.Record = record;
        running.TryRemove(record.Id, out _);
    }

    /// <summary>Why a record left "Running" on disk by no run of this process is reported as failed.</summary>
    private const string HostStopped = "The host stopped while the slice ran; take it again.";

    private SliceRecord? Read(string id)
    {
        var path = Path.Combine(Root, id, RecordFile);
        if (!IsId(id) || !File.Exists(path))
        {
            return null;
        }
        try
        {
            var record = JsonSerializer.Deserialize<SliceRecord>(File.ReadAllText(path), RunSummaryFile.JsonOptions);
            // A record left running by a host that stopped is not running any more.
            return record is { State: "Running" } ? record with { State = "Failed", FailureReason = HostStopped } : record;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static void Write(string directory, SliceRecord record)
    {
        var path = Path.Combine(directory, RecordFile);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(record, RunSummaryFile.JsonOptions));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static bool IsId(string id) =>
        id.StartsWith("slice-", StringComparison.Ordinal) && id.Length < 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private sealed class SliceRun(SliceRecord record)
    {
        private SliceRecord current = record;

        public SliceRecord Record
        {
            get => Volatile.Read(ref current);
            set => Volatile.Write(ref current, value);
        }

        public Task Execution { get; set; } = Task.CompletedTask;
    }
}

/// <summary>A slice: what was asked and how far it is (the content of its <c>slice.json</c>).</summary>
/// <param name="Id">The slice's id.</param>
/// <param name="Source">The source.</param>
/// <param name="AsOf">T (ms, inclusive).</param>
/// <param name="RequestedBy">Who asked (<c>schedule</c> for daily slices).</param>
/// <param name="Scheduled">A daily slice.</param>
/// <param name="State">Running, Completed, Failed or Cancelled.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="FailureReason">Why it failed.</param>
/// <param name="EventsScanned">Events of the source up to T read so far.</param>
/// <param name="Entities">Entities in the slice (once completed).</param>
/// <param name="Watermark">The source's event-time watermark when the slice started.</param>
/// <param name="Complete">Whether the watermark had passed T: every on-time event up to T was stored.</param>
/// <param name="Columns">The table's columns and types (once completed).</param>
public sealed record SliceRecord(string Id, string Source, long AsOf, string RequestedBy, bool Scheduled, string State, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt,
    string? FailureReason, long EventsScanned, long Entities, long? Watermark, bool Complete, IReadOnlyList<SliceColumn>? Columns);

/// <summary>A column of a slice.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Type">int64, double, bool or string.</param>
public sealed record SliceColumn(string Name, string Type);
