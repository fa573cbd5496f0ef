using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>A run as it crosses to a worker: the job (module path and the version the host runs) and the whole batch.</summary>
/// <param name="JobPath">The job's module file.</param>
/// <param name="Version">The content hash the host runs; the worker runs exactly this version or fails the run.</param>
/// <param name="Timeout">The per-computation CPU timeout.</param>
/// <param name="Each">True: each event as a single call on the latency lane (calls); false: one batch on the bulk lane.</param>
/// <param name="Tracked">Whether reads carry the index of the event they serve (read tracking for repair).</param>
/// <param name="Scope">
/// The host's id of the run's settled-read scope (see <see cref="FeaturePlatform.Runtime.Execution.ISettledFetches"/>); 0: none.
/// The worker keeps settled answers under it across the batches of one run.
/// </param>
/// <param name="CurrentParameters">The job's current parameter values (JSON object) on the host.</param>
/// <param name="Events">The events.</param>
/// <param name="ParameterSets">Distinct parameter sets (JSON objects) of the events; empty: the current values.</param>
/// <param name="SetOfEvent">Per event, its index in <paramref name="ParameterSets"/> (empty when that is empty).</param>
/// <param name="Settled">Settled answers the host read ahead for the batch (<see cref="SettledForecast"/>), kept under <paramref name="Scope"/>.</param>
internal sealed record RunRequest(string JobPath, string Version, TimeSpan Timeout, bool Each, bool Tracked, long Scope, string CurrentParameters,
    IReadOnlyList<FeatureEvent> Events, IReadOnlyList<string> ParameterSets, int[] SetOfEvent, IReadOnlyList<SettledAnswer> Settled);

/// <summary>A settled fetch answer the host sends ahead: the state of <paramref name="Key"/> of <paramref name="Source"/> over <paramref name="Range"/>.</summary>
internal readonly record struct SettledAnswer(string Source, string Key, SettledRange Range, string? Json);

/// <summary>The as-of range [<paramref name="FromMs"/>, <paramref name="UntilMs"/>) over which a settled fetch's answer holds.</summary>
internal readonly record struct SettledRange(long FromMs, long UntilMs);

/// <summary>A fetch of a tracked run that the worker answered from its settled copies (reported with the run's result).</summary>
internal readonly record struct LocalFetch(int EventIndex, string Source, string Key, long AsOfMs);

/// <summary>The binary encoding of runs, reads and outcomes (see <see cref="WorkerChannel"/> for the framing).</summary>
internal static class WorkerMessages
{
    private const byte Rows = 0;
    private const byte PythonError = 1;
    private const byte Timeout = 2;
    private const byte Shape = 3;
    private const byte AnswerJson = 0;
    private const byte AnswerError = 1;
    private const byte AnswerSettled = 2;

    public static void WriteRun(BinaryWriter w, long runId, RunRequest r)
    {
        w.Write(runId);
        w.Write(r.JobPath);
        w.Write(r.Version);
        w.Write(r.Timeout.Ticks);
        w.Write(r.Each);
        w.Write(r.Tracked);
        w.Write(r.Scope);
        w.Write(r.CurrentParameters);
        w.Write(r.Events.Count);
        foreach (var e in r.Events)
        {
            w.Write(e.Source);
            w.Write(e.Key);
            w.Write(e.TimeMs);
            WriteNullable(w, e.DataJson);
            WriteNullable(w, e.Id);
        }
        w.Write(r.ParameterSets.Count);
        foreach (var set in r.ParameterSets)
        {
            w.Write(set);
        }
        if (r.ParameterSets.Count > 0)
        {
            foreach (var index in r.SetOfEvent)
            {
                w.Write(index);
            }
        }
        w.Write(r.Settled.Count);
        foreach (var a in r.Settled)
        {
            w.Write(a.Source);
            w.Write(a.Key);
            w.Write(a.Range.FromMs);
            w.Write(a.Range.UntilMs);
            WriteNullable(w, a.Json);
        }
    }

    public static (long RunId, RunRequest Request) ReadRun(BinaryReader r)
    {
        var runId = r.ReadInt64();
        var path = r.ReadString();
        var version = r.ReadString();
        var timeout = TimeSpan.FromTicks(r.ReadInt64());
        var each = r.ReadBoolean();
        var tracked = r.ReadBoolean();
        var scope = r.ReadInt64();
        var current = r.ReadString();
        var events = new FeatureEvent[r.ReadInt32()];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = new FeatureEvent(r.ReadString(), r.ReadString(), r.ReadInt64(), ReadNullable(r), ReadNullable(r));
        }
        var sets = new string[r.ReadInt32()];
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i] = r.ReadString();
        }
        var setOf = sets.Length == 0 ? [] : new int[events.Length];
        for (var i = 0; i < setOf.Length; i++)
        {
            setOf[i] = r.ReadInt32();
        }
        var settled = new SettledAnswer[r.ReadInt32()];
        for (var i = 0; i < settled.Length; i++)
        {
            settled[i] = new SettledAnswer(r.ReadString(), r.ReadString(), new SettledRange(r.ReadInt64(), r.ReadInt64()), ReadNullable(r));
        }
        return (runId, new RunRequest(path, version, timeout, each, tracked, scope, current, events, sets, setOf, settled));
    }

    /// <summary>
    /// Writes the outcomes of a run (the events themselves stay on the host), then the fetches of a tracked run that the
    /// worker answered from its copy of settled answers (the host notes them as it notes the reads it serves), then how
    /// many of the answers sent ahead with the run were used.
    /// </summary>
    public static void WriteOutcomes(BinaryWriter w, long runId, IReadOnlyList<EventOutcome> outcomes, IReadOnlyCollection<LocalFetch> localFetches, int forecastsUsed)
    {
        w.Write(runId);
        w.Write(true);
        w.Write(outcomes.Count);
        string? version = null;
        foreach (var o in outcomes)
        {
            WriteOutcome(w, o, ref version);
        }
        w.Write(localFetches.Count);
        foreach (var f in localFetches)
        {
            w.Write(f.EventIndex);
            w.Write(f.Source);
            w.Write(f.Key);
            w.Write(f.AsOfMs);
        }
        w.Write(forecastsUsed);
    }

    /// <summary>Writes a run that failed as a whole in the worker (not an error of the logic on one event).</summary>
    public static void WriteHostError(BinaryWriter w, long runId, string message)
    {
        w.Write(runId);
        w.Write(false);
        w.Write(message);
    }

    /// <summary>
    /// Reads a run's result: the outcomes, the fetches the worker answered itself and how many answers sent ahead it used, or
    /// the worker's host error as a message.
    /// </summary>
    public static (long RunId, IReadOnlyList<EventOutcome>? Outcomes, IReadOnlyList<LocalFetch> LocalFetches, int ForecastsUsed, string? HostError) ReadResult(BinaryReader r, Func<long, (string Job, ResultSchema Schema, TimeSpan Timeout, IReadOnlyList<FeatureEvent> Events)?> run)
    {
        var runId = r.ReadInt64();
        if (!r.ReadBoolean())
        {
            return (runId, null, [], 0, r.ReadString());
        }
        if (run(runId) is not var (job, schema, timeout, events))
        {
            return (runId, null, [], 0, null); // no longer waited for
        }
        var count = r.ReadInt32();
        if (count != events.Count)
        {
            return (runId, null, [], 0, $"the worker answered {count} outcomes for {events.Count} events");
        }
        var outcomes = new EventOutcome[count];
        string? version = null;
        for (var i = 0; i < count; i++)
        {
            outcomes[i] = ReadOutcome(r, job, schema, timeout, events[i], ref version)!;
        }
        var local = new LocalFetch[r.ReadInt32()];
        for (var i = 0; i < local.Length; i++)
        {
            local[i] = new LocalFetch(r.ReadInt32(), r.ReadString(), r.ReadString(), r.ReadInt64());
        }
        return (runId, outcomes, local, r.ReadInt32(), null);
    }

    /// <summary>
    /// One event's outcome: the version that ran it (written once per message while it stays the same: a flag, then the
    /// version only when it differs from the previous outcome's in <paramref name="last"/>), then its rows or its error.
    /// </summary>
    private static void WriteOutcome(BinaryWriter w, EventOutcome o, ref string? last)
    {
        if (ReferenceEquals(o.Version, last) || o.Version == last)
        {
            w.Write(false);
        }
        else
        {
            w.Write(true);
            w.Write(o.Version);
            last = o.Version;
        }
        switch (o.Error)
        {
            case null:
                w.Write(Rows);
                w.Write(o.Rows.Count);
                foreach (var row in o.Rows)
                {
                    w.Write(row.Values.Count);
                    foreach (var value in row.Values)
                    {
                        WriteValue(w, value);
                    }
                }
                break;
            case JobTimeoutException t:
                w.Write(Timeout);
                WriteError(w, t);
                break;
            case JobResultShapeException s:
                w.Write(Shape);
                WriteError(w, s);
                break;
            default:
                w.Write(PythonError);
                WriteError(w, o.Error);
                break;
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteOutcome"/> wrote, for <paramref name="e"/> of a run of <paramref name="job"/>; with no
    /// <paramref name="schema"/> (a run no longer waited for) the outcome is read past and null returned.
    /// </summary>
    private static EventOutcome? ReadOutcome(BinaryReader r, string job, ResultSchema? schema, TimeSpan timeout, FeatureEvent? e, ref string? last)
    {
        if (r.ReadBoolean())
        {
            last = r.ReadString();
        }
        var version = last ?? throw new InvalidDataException("an outcome without its version");
        var kind = r.ReadByte();
        if (kind == Rows)
        {
            var rows = new ResultRow[r.ReadInt32()];
            for (var k = 0; k < rows.Length; k++)
            {
                var values = new object?[r.ReadInt32()];
                for (var v = 0; v < values.Length; v++)
                {
                    values[v] = ReadValue(r);
                }
                rows[k] = schema is null ? null! : ResultRow.Create(schema, values);
            }
            return schema is null || e is null ? null : new EventOutcome(e, rows, null, version);
        }
        var (type, message, file, line, traceback) = (r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadString());
        PythonJobException error = kind switch
        {
            Timeout => new JobTimeoutException(job, timeout, file, line, traceback),
            Shape => new JobResultShapeException(job, message, file, line, traceback),
            _ => new PythonJobException(job, type, message, file, line, traceback),
        };
        return e is null ? null : new EventOutcome(e, [], error, version);
    }

    /// <summary>
    /// Outcomes of calls as they finish (worker → host): each a run id, the event's index in that run, and its outcome.
    /// A call's answer never waits for a slower call sent in the same run.
    /// </summary>
    public static void WriteCallOutcomes(BinaryWriter w, IReadOnlyList<(long RunId, int Index, EventOutcome Outcome)> outcomes)
    {
        w.Write(outcomes.Count);
        string? version = null;
        foreach (var (runId, index, outcome) in outcomes)
        {
            w.Write(runId);
            w.Write(index);
            WriteOutcome(w, outcome, ref version);
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteCallOutcomes"/> wrote and hands each outcome to <paramref name="deliver"/>; an outcome of a run no longer waited
    /// for (<paramref name="run"/> answers null) is read and dropped.
    /// </summary>
    public static void ReadCallOutcomes(BinaryReader r, Func<long, (string Job, ResultSchema Schema, TimeSpan Timeout, IReadOnlyList<FeatureEvent> Events)?> run,
        Action<long, int, EventOutcome> deliver)
    {
        var count = r.ReadInt32();
        string? version = null;
        for (var i = 0; i < count; i++)
        {
            var (runId, index) = (r.ReadInt64(), r.ReadInt32());
            if (run(runId) is var (job, schema, timeout, events) && index >= 0 && index < events.Count)
            {
                deliver(runId, index, ReadOutcome(r, job, schema, timeout, events[index], ref version)!);
            }
            else
            {
                _ = ReadOutcome(r, "", null, TimeSpan.Zero, null, ref version);
            }
        }
    }

    /// <summary>A read the logic makes (worker → host).</summary>
    public static void WriteRead(BinaryWriter w, long runId, int readId, ReadKind kind, int eventIndex, string source, string key, long sinceMs, long untilMs, int limit,
        Consistency consistency)
    {
        w.Write(runId);
        w.Write(readId);
        w.Write((byte)kind);
        w.Write(eventIndex);
        w.Write(source);
        w.Write(key);
        w.Write(sinceMs);
        w.Write(untilMs);
        w.Write(limit);
        w.Write((byte)consistency);
    }

    /// <summary>
    /// The answer to a read: its JSON (null: no entity), or the data source's error; for a settled fetch also the as-of
    /// range over which the answer holds for the rest of the run.
    /// </summary>
    public static void WriteReadAnswer(BinaryWriter w, int readId, string? json, string? error, SettledRange? settled = null)
    {
        w.Write(readId);
        w.Write(error is not null ? AnswerError : settled is null ? AnswerJson : AnswerSettled);
        WriteNullable(w, error ?? json);
        if (error is null && settled is { } range)
        {
            w.Write(range.FromMs);
            w.Write(range.UntilMs);
        }
    }

    /// <summary>Reads an answer written by <see cref="WriteReadAnswer"/>.</summary>
    public static (int ReadId, string? Json, string? Error, SettledRange? Settled) ReadReadAnswer(BinaryReader r)
    {
        var readId = r.ReadInt32();
        var kind = r.ReadByte();
        var text = ReadNullable(r);
        return kind switch
        {
            AnswerError => (readId, null, text, null),
            AnswerSettled => (readId, text, null, new SettledRange(r.ReadInt64(), r.ReadInt64())),
            _ => (readId, text, null, null),
        };
    }

    private static void WriteError(BinaryWriter w, PythonJobException e)
    {
        w.Write(e.PythonType);
        w.Write(e.PythonMessage);
        w.Write(e.FileName);
        w.Write(e.LineNumber);
        w.Write(e.PythonTraceback);
    }

    private static void WriteValue(BinaryWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.Write((byte)0);
                break;
            case long l:
                w.Write((byte)1);
                w.Write(l);
                break;
            case double d:
                w.Write((byte)2);
                w.Write(d);
                break;
            case bool b:
                w.Write((byte)3);
                w.Write(b);
                break;
            case string s:
                w.Write((byte)4);
                w.Write(s);
                break;
            default:
                throw new InvalidOperationException($"a result value of type {value.GetType().Name} cannot cross to the host");
        }
    }

    private static object? ReadValue(BinaryReader r) => r.ReadByte() switch
    {
        0 => null,
        1 => r.ReadInt64(),
        2 => r.ReadDouble(),
        3 => r.ReadBoolean(),
        4 => r.ReadString(),
        var tag => throw new InvalidDataException($"unknown value tag {tag}"),
    };

    public static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    public static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    public static void WriteDescribe(BinaryWriter w, long id, JobDescription d)
    {
        w.Write(id);
        w.Write(d.Path);
        WriteNullable(w, d.ParametersJson);
        w.Write(d.Strict);
    }

    public static (long Id, JobDescription Request) ReadDescribe(BinaryReader r)
    {
        var id = r.ReadInt64();
        var path = r.ReadString();
        var parameters = ReadNullable(r);
        return (id, new JobDescription(path, parameters, r.ReadBoolean()));
    }

    /// <summary>The answer to a describe: the runner's state (UTF-8 JSON), or (null answer) why the worker could not import.</summary>
    public static void WriteDescribed(BinaryWriter w, long id, byte[]? answer, string? error)
    {
        w.Write(id);
        w.Write(answer is not null);
        if (answer is not null)
        {
            w.Write(answer.Length);
            w.Write(answer);
        }
        else
        {
            w.Write(error ?? "unknown error");
        }
    }

    public static (long Id, byte[]? Answer, string? Error) ReadDescribed(BinaryReader r)
    {
        var id = r.ReadInt64();
        return r.ReadBoolean() ? (id, r.ReadBytes(r.ReadInt32()), null) : (id, null, r.ReadString());
    }
}
