using System.Collections.Concurrent;
using System.Text.Json;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.Runtime.Backfill;

/// <summary>
/// Backfills (offline initialisation and correction of the feature store): a replay of a job over a range through the
/// one <see cref="RunManager"/> (the same run loop, data source and parameter plan as backtests and parity checks) whose
/// output is a <see cref="BackfillOutput"/> — newest event time wins. Runs live under
/// <c>&lt;EventCenter:DataDirectory&gt;/backfills/&lt;run id&gt;</c> with their <c>run.json</c> and <c>backfill.json</c>, so
/// they are listed with their lineage after a restart; the API and the command line share them.
/// </summary>
public sealed class BackfillService(RuntimeStartup startup, RunManagerFactory runs, FeatureStore store, OutputFactory outputs, RuntimeSettings settings,
    EventCenterSettings eventCenter) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (BackfillRequest Request, BackfillTally Tally)> current = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private RunManager? manager;
    private bool disposed;

    /// <summary>Where the runs' directories are.</summary>
    public string ResultRoot => Path.GetFullPath(Path.Combine(eventCenter.DataDirectory, "backfills"));

    /// <summary>Whether the runtime has started (backfills can run).</summary>
    public bool Available => startup.Ready.IsCompletedSuccessfully;

    /// <summary>The run manager of backfills (progress, wait, cancel).</summary>
    public RunManager Runs => Manager();

    /// <summary>The output presets a backfill may name as sinks.</summary>
    public IReadOnlyList<string> Presets => settings.Outputs.Names;

    /// <summary>Starts a backfill; returns its run id.</summary>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="ArgumentException">The range is empty, a sink names no preset, or the source is not one of the job's triggers.</exception>
    /// <exception cref="Parameters.ParameterValidationException">An explicit parameter value does not fit the job's declaration.</exception>
    public async Task<string> StartAsync(BackfillRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.From >= request.To)
        {
            throw new ArgumentException($"Empty range [{request.From}, {request.To}): from must be before to.", nameof(request));
        }
        if (settings.Outputs.Unknown(request.Sinks) is { } unknown)
        {
            throw new ArgumentException($"sinks: '{unknown}' is no output preset; presets: {string.Join(", ", settings.Outputs.Names)}.", nameof(request));
        }
        var tally = new BackfillTally();
        var id = await Manager().StartAsync(new RunRequest
        {
            Job = request.Job,
            Label = request.Label,
            RequestedBy = request.RequestedBy,
            Parameters = request.Parameters,
            Input = new TimeRangeInput(request.From, request.To) { Source = request.Source },
            Outputs = context =>
            {
                var directory = context.ResultDirectory!;
                WriteRecord(directory, Record(context.RunId, request, tally, final: false));
                var sinks = request.Sinks.Distinct(StringComparer.Ordinal).Select(name => settings.Outputs.Find(name)!)
                    .Where(preset => preset.Kind != JobOutputKind.FeatureStore).Select(outputs.Create).ToList();
                return [new BackfillOutput(store, sinks, tally, () =>
                {
                    WriteRecord(directory, Record(context.RunId, request, tally, final: true));
                    return ValueTask.CompletedTask;
                })];
            },
        }, cancellationToken);
        current[id] = (request, tally);
        return id;
    }

    /// <summary>The backfill's run and record, or null when unknown.</summary>
    public BackfillStatus? Get(string id)
    {
        if (Manager().Get(id) is not { } run)
        {
            return null;
        }
        var record = current.TryGetValue(id, out var live) ? Record(id, live.Request, live.Tally, run.IsFinished) : ReadRecord(run.ResultDirectory);
        return record is null ? null : new BackfillStatus(run, record);
    }

    /// <summary>Every backfill (this process's and those recorded under the root), newest first.</summary>
    public IReadOnlyList<BackfillStatus> List() => [.. Manager().List().Select(r => Get(r.Id)).OfType<BackfillStatus>()];

    /// <summary>Cancels the backfill and waits until it stopped; null when unknown.</summary>
    public async Task<BackfillStatus?> CancelAsync(string id) => await Manager().CancelAsync(id) is null ? null : Get(id);

    /// <summary>Cancels unfinished backfills and awaits them.</summary>
    public async ValueTask DisposeAsync()
    {
        RunManager? toDispose;
        lock (gate)
        {
            disposed = true;
            toDispose = manager;
        }
        if (toDispose is not null)
        {
            await toDispose.DisposeAsync();
        }
    }

    private RunManager Manager()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return manager ??= runs.Create(startup.Registry, new RunManagerOptions { ResultRoot = ResultRoot });
        }
    }

    private static BackfillRecord Record(string id, BackfillRequest request, BackfillTally tally, bool final) =>
        new(id, request.Job, request.From, request.To, request.Source, [.. request.Sinks], request.RequestedBy, request.Label, request.Parameters,
            tally.Written, tally.SkippedNewer, tally.Models, final);

    private static void WriteRecord(string directory, BackfillRecord record)
    {
        var path = Path.Combine(directory, BackfillRecord.FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(record, RunSummaryFile.JsonOptions));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static BackfillRecord? ReadRecord(string? directory)
    {
        var path = directory is null ? null : Path.Combine(directory, BackfillRecord.FileName);
        if (path is null || !File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<BackfillRecord>(File.ReadAllText(path), RunSummaryFile.JsonOptions);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}
