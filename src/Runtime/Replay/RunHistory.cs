using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>
/// The runs of earlier hosts (and runs a manager has forgotten): the <c>run.json</c> summaries in the result root's
/// run directories, re-read from disk, so a run and its results stay readable after a restart. A finished run's
/// summary never changes and is cached; a summary left unfinished by a host that stopped reads as
/// <see cref="RunState.Failed"/> with the reason (the file itself is not rewritten).
/// </summary>
internal sealed class RunHistory(string? root, ILogger logger)
{
    private readonly ConcurrentDictionary<string, RunStatus> finished = new(StringComparer.Ordinal);

    /// <summary>The run <paramref name="id"/> from its summary file, or null when there is none (or it is unreadable).</summary>
    public RunStatus? Find(string id)
    {
        if (root is null || !IsRunId(id))
        {
            return null;
        }
        if (finished.TryGetValue(id, out var known))
        {
            return known;
        }
        var directory = Path.Combine(root, id);
        return File.Exists(Path.Combine(directory, RunSummaryFile.FileName)) ? Read(id, directory) : null;
    }

    /// <summary>Every run with a summary file under the root, except those in <paramref name="exclude"/>.</summary>
    public IReadOnlyList<RunStatus> All(IReadOnlySet<string> exclude)
    {
        if (root is null || !Directory.Exists(root))
        {
            return [];
        }
        var found = new List<RunStatus>();
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var id = Path.GetFileName(directory);
            if (exclude.Contains(id) || !IsRunId(id))
            {
                continue;
            }
            if (finished.TryGetValue(id, out var known))
            {
                found.Add(known);
            }
            else if (File.Exists(Path.Combine(directory, RunSummaryFile.FileName)) && Read(id, directory) is { } status)
            {
                found.Add(status);
            }
        }
        return found;
    }

    /// <summary>Run ids as the manager makes them (no path separators or dots: a request cannot walk out of the root).</summary>
    private static bool IsRunId(string id) =>
        id.StartsWith("run-", StringComparison.Ordinal) && id.Length < 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private RunStatus? Read(string id, string directory)
    {
        RunStatus? status;
        try
        {
            status = JsonSerializer.Deserialize<RunStatus>(File.ReadAllText(Path.Combine(directory, RunSummaryFile.FileName)), RunSummaryFile.JsonOptions);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Run summary {Directory}/{File} is unreadable; the run is not listed", directory, RunSummaryFile.FileName);
            return null;
        }
        if (status is null || status.Id != id)
        {
            return null;
        }
        if (status.IsFinished)
        {
            finished[id] = status;
            return status;
        }
        // Not finished and not a run of this manager: the host that ran it stopped before it ended.
        return status with
        {
            State = RunState.Failed,
            FailureReason = $"The host stopped while the run was {status.State.ToString().ToLowerInvariant()}; it did not finish (its results are partial). Launch it again.",
            Progress = status.Progress with { Eta = null },
        };
    }
}
