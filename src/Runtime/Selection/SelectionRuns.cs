using System.Collections.Concurrent;
using System.Text.Json;
using FeaturePlatform.Runtime.Exports;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>States of an export run.</summary>
public enum SelectionRunState
{
    /// <summary>Counting and writing.</summary>
    Running,
    /// <summary>The file is complete.</summary>
    Succeeded,
    /// <summary>It stopped with an error (see <see cref="SelectionRunStatus.Error"/>).</summary>
    Failed,
}

/// <summary>Where an export run's rows come from, kept with it: who asked, the predicate, the job's version and parameter values then.</summary>
/// <param name="RequestedBy">Who started it, or null when not told.</param>
/// <param name="PredicateText">The predicate as written (JSON), or null.</param>
/// <param name="JobVersion">The job's running version, or null when the job is not loaded here.</param>
/// <param name="Parameters">The job's parameter values, or null when the job is not loaded here.</param>
public sealed record SelectionLineage(string? RequestedBy, string? PredicateText, string? JobVersion, IReadOnlyDictionary<string, object?>? Parameters);

/// <summary>An export run of a selection.</summary>
/// <param name="Id">Its id (<c>sel-…</c>).</param>
/// <param name="Job">The job.</param>
/// <param name="Format">The file format.</param>
/// <param name="State">Its state.</param>
/// <param name="Total">Matches to write (-1 until counted).</param>
/// <param name="Written">Rows written so far.</param>
/// <param name="StartedAt">Start (ms).</param>
/// <param name="FinishedAt">End (ms), or null while running.</param>
/// <param name="Error">Why it failed, or null.</param>
/// <param name="Columns">The columns written after key and updated.</param>
/// <param name="Selection">The saved selection it ran, or null.</param>
/// <param name="RequestedBy">Who started it (the API key's name), or null when not told.</param>
/// <param name="PredicateText">The predicate as the caller wrote it (JSON), or null for every entity.</param>
/// <param name="JobVersion">The job's version running when the export started (the rows are what its versions wrote).</param>
/// <param name="Parameters">The job's parameter values when the export started.</param>
public sealed record SelectionRunStatus(string Id, string Job, ExportFormat Format, SelectionRunState State, long Total, long Written, long StartedAt, long? FinishedAt,
    string? Error, IReadOnlyList<string> Columns, string? Selection, string? RequestedBy = null, string? PredicateText = null, string? JobVersion = null,
    IReadOnlyDictionary<string, object?>? Parameters = null)
{
    /// <summary>Share of the rows written (0..1).</summary>
    public double Progress => State == SelectionRunState.Succeeded ? 1 : Total <= 0 ? 0 : Math.Min(1, (double)Written / Total);
}

/// <summary>
/// Export runs: each writes its file and a <c>run.json</c> summary under the export directory, so a finished run stays
/// readable after a restart (a run left unfinished by a stopped host reads as failed). Runs are tracked tasks; disposal
/// cancels and awaits them.
/// </summary>
public sealed class SelectionRuns(string directory, TimeProvider clock, ILogger<SelectionRuns> logger) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly ConcurrentDictionary<string, Entry> runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The directory of runs.</summary>
    public string Directory { get; } = directory;

    /// <summary>Starts writing <paramref name="rows"/> in <paramref name="format"/>; answers at once with the running status.</summary>
    public SelectionRunStatus Start(string job, ExportFormat format, IReadOnlyList<string> columns, IReadOnlyList<ValueKind> types, string? selection,
        Func<Action<long>, CancellationToken, IAsyncEnumerable<SelectedRow>> rows, SelectionLineage? lineage = null)
    {
        var id = $"sel-{clock.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..36];
        var entry = new Entry(new SelectionRunStatus(id, job, format, SelectionRunState.Running, -1, 0, clock.GetUtcNow().ToUnixTimeMilliseconds(), null, null, columns, selection,
            lineage?.RequestedBy, lineage?.PredicateText, lineage?.JobVersion, lineage?.Parameters));
        runs[id] = entry;
        var runDirectory = Path.Combine(Directory, id);
        System.IO.Directory.CreateDirectory(runDirectory);
        Persist(entry.Status);
        entry.Task = RunAsync(entry, runDirectory, types, rows);
        return entry.Status;
    }

    /// <summary>The run <paramref name="id"/> (from memory, else its summary file), or null.</summary>
    public SelectionRunStatus? Find(string id)
    {
        if (runs.TryGetValue(id, out var entry))
        {
            return entry.Status;
        }
        if (!IsId(id) || !File.Exists(Path.Combine(Directory, id, "run.json")))
        {
            return null;
        }
        try
        {
            var status = JsonSerializer.Deserialize<SelectionRunStatus>(File.ReadAllText(Path.Combine(Directory, id, "run.json")), Json);
            return status is { State: SelectionRunState.Running } ? status with { State = SelectionRunState.Failed, Error = "The host stopped while the run was writing." } : status;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            logger.LogWarning(e, "Selection run summary {Id} is unreadable", id);
            return null;
        }
    }

    /// <summary>Every run, this host's and those of earlier hosts (from their summary files), newest first.</summary>
    public IReadOnlyList<SelectionRunStatus> List()
    {
        var ids = new HashSet<string>(runs.Keys, StringComparer.Ordinal);
        if (System.IO.Directory.Exists(Directory))
        {
            ids.UnionWith(System.IO.Directory.EnumerateDirectories(Directory).Select(Path.GetFileName).OfType<string>().Where(IsId));
        }
        return [.. ids.Select(Find).OfType<SelectionRunStatus>().OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    /// <summary>The file of a finished run, or null.</summary>
    public string? FileOf(string id) =>
        Find(id) is { State: SelectionRunState.Succeeded } status ? Path.Combine(Directory, id, "export." + SelectionExport.Extension(status.Format)) : null;

    /// <summary>Waits for run <paramref name="id"/> to end (tests, the CLI).</summary>
    public async Task<SelectionRunStatus?> WaitAsync(string id, CancellationToken cancellationToken)
    {
        if (runs.TryGetValue(id, out var entry) && entry.Task is { } task)
        {
            await task.WaitAsync(cancellationToken);
        }
        return Find(id);
    }

    private static bool IsId(string id) => id.StartsWith("sel-", StringComparison.Ordinal) && id.Length <= 40 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private async Task RunAsync(Entry entry, string runDirectory, IReadOnlyList<ValueKind> types, Func<Action<long>, CancellationToken, IAsyncEnumerable<SelectedRow>> rows)
    {
        await Task.Yield();
        var status = entry.Status;
        var path = Path.Combine(runDirectory, "export." + SelectionExport.Extension(status.Format));
        try
        {
            var written = await SelectionExport.WriteAsync(status.Format, path + ".partial", status.Columns, types,
                rows(total => entry.Status = entry.Status with { Total = total }, stopping.Token),
                n => entry.Status = entry.Status with { Written = n }, stopping.Token);
            entry.Status = entry.Status with { Written = written };
            File.Move(path + ".partial", path, overwrite: true);
            entry.Status = entry.Status with { State = SelectionRunState.Succeeded, FinishedAt = clock.GetUtcNow().ToUnixTimeMilliseconds() };
        }
        catch (Exception e)
        {
            logger.LogError(e, "Selection export {Id} of job {Job} failed", status.Id, status.Job);
            entry.Status = entry.Status with
            {
                State = SelectionRunState.Failed, FinishedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
                Error = e is OperationCanceledException ? "The host stopped while the run was writing." : "The export failed: " + e.Message,
            };
        }
        Persist(entry.Status);
    }

    private void Persist(SelectionRunStatus status)
    {
        var path = Path.Combine(Directory, status.Id, "run.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(status, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        foreach (var entry in runs.Values)
        {
            if (entry.Task is { } task)
            {
                await task; // RunAsync catches everything; this only waits
            }
        }
        stopping.Dispose();
    }

    private sealed class Entry(SelectionRunStatus status)
    {
        private SelectionRunStatus current = status;

        public SelectionRunStatus Status
        {
            get => Volatile.Read(ref current);
            set => Volatile.Write(ref current, value);
        }

        public Task? Task { get; set; }
    }
}
