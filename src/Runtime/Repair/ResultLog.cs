using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// What live (and repair) computed for each trigger event: per (job, trigger source, trigger event id) the latest
/// revision of the computation — its result rows, or its error, with the job version and when it was computed. Repair
/// replaces a revision with a newer one; the parity check and the correction replay compare replays with it.
/// </summary>
/// <remarks>
/// One cell per computation in family <c>r</c>, stamped with the revision time (ms), so a newer revision replaces an
/// older one whatever the write order; cells expire after <see cref="RepairSettings.ResultRetention"/>.
/// </remarks>
public sealed class ResultLog(IWideTableStore store, RepairSettings settings, TimeProvider clock)
{
    private static readonly byte[] Family = "r"u8.ToArray();
    private static readonly byte[] Column = "c"u8.ToArray();

    /// <summary>The table: <c>job_results</c>.</summary>
    public TableName Table { get; } = new(null, "job_results");

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("r", 1, settings.ResultRetention)]), cancellationToken);

    /// <summary>
    /// Records the computations of <paramref name="triggers"/> (one revision each) from <paramref name="outcome"/>;
    /// <paramref name="parameters"/> gives, per trigger (by index), the <see cref="Parameters.ParameterIdentity"/> of the
    /// values it ran with (null: not known). The revision is <paramref name="computedFrom"/> (ms), when the computation
    /// started reading (null: now): of two computations of a trigger the one that started later read more and wins,
    /// whichever is written last.
    /// </summary>
    public ValueTask WriteAsync(string job, IReadOnlyList<ChangeEvent> triggers, BatchOutcome outcome, ComputationKind kind, CancellationToken cancellationToken,
        IReadOnlyList<string>? parameters = null, long? computedFrom = null)
    {
        var puts = Puts(job, triggers, outcome, kind, parameters, computedFrom);
        return WriteAsync(puts, cancellationToken);
    }

    /// <summary>Stores rows made by <see cref="Puts"/>.</summary>
    internal ValueTask WriteAsync(List<Put> puts, CancellationToken cancellationToken) =>
        puts.Count == 0 ? ValueTask.CompletedTask : store.PutAsync(Table, puts, cancellationToken);

    /// <summary>The rows of <see cref="WriteAsync(string, IReadOnlyList{ChangeEvent}, BatchOutcome, ComputationKind, CancellationToken, IReadOnlyList{string}?, long?)"/>.</summary>
    internal List<Put> Puts(string job, IReadOnlyList<ChangeEvent> triggers, BatchOutcome outcome, ComputationKind kind, IReadOnlyList<string>? parameters, long? computedFrom)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(outcome);
        if (triggers.Count == 0)
        {
            return [];
        }
        var revision = computedFrom ?? clock.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = new Dictionary<(string, string), List<FeatureResult>>(triggers.Count);
        foreach (var row in outcome.Results)
        {
            var id = (row.Trigger.Source, row.Trigger.EventId);
            if (!rows.TryGetValue(id, out var list))
            {
                rows[id] = list = new List<FeatureResult>(1);
            }
            list.Add(row);
        }
        var errors = outcome.Errors.Count == 0 ? null : outcome.Errors.ToDictionary(e => (e.Trigger.Source, e.Trigger.EventId), e => e);
        var jobBytes = Encoding.UTF8.GetBytes(job);
        var puts = new List<Put>(triggers.Count);
        // One buffer and writer for the batch, reset per computation.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        for (var i = 0; i < triggers.Count; i++)
        {
            var trigger = triggers[i];
            var id = (trigger.Source, trigger.EventId);
            var ofTrigger = rows.TryGetValue(id, out var found) ? found : [];
            if (ofTrigger.Count > 1)
            {
                ofTrigger.Sort(static (a, b) => a.RowIndex.CompareTo(b.RowIndex));
            }
            JobError? error = null;
            errors?.TryGetValue(id, out error);
            var version = ofTrigger.Count > 0 ? ofTrigger[0].JobVersion : error?.JobVersion ?? "";
            puts.Add(new Put(RowKey(jobBytes, trigger.Source, trigger.EventId),
                [new Cell(Family, Column, revision, Serialize(json, buffer, trigger, version, revision, kind, ofTrigger, error, parameters?[i]))]));
        }
        return puts;
    }

    /// <summary>The latest revision of each of <paramref name="triggers"/>' computations by <paramref name="job"/> (absent: never computed or expired).</summary>
    public async ValueTask<IReadOnlyDictionary<(string Source, string EventId), LoggedComputation>> GetAsync(
        string job, IReadOnlyList<(string Source, string EventId)> triggers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        var found = new Dictionary<(string, string), LoggedComputation>();
        for (var start = 0; start < triggers.Count; start += 500)
        {
            var page = triggers.Skip(start).Take(500).ToList();
            var rows = await store.GetManyAsync(Table, [.. page.Select(t => new Get(RowKey(job, t.Source, t.EventId)))], cancellationToken);
            for (var i = 0; i < page.Count; i++)
            {
                if (rows[i] is { Cells.Count: > 0 } row)
                {
                    found[page[i]] = JsonSerializer.Deserialize<LoggedComputation>(row.Cells.MaxBy(c => c.Timestamp).Value)!;
                }
            }
        }
        return found;
    }

    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("Source");
    private static readonly JsonEncodedText EventIdName = JsonEncodedText.Encode("EventId");
    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("Key");
    private static readonly JsonEncodedText EventTimeName = JsonEncodedText.Encode("EventTime");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("Version");
    private static readonly JsonEncodedText RevisionName = JsonEncodedText.Encode("Revision");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("Kind");
    private static readonly JsonEncodedText RowsName = JsonEncodedText.Encode("Rows");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("Error");
    private static readonly JsonEncodedText ParametersName = JsonEncodedText.Encode("Parameters");

    /// <summary>A <see cref="LoggedComputation"/> as JSON, the rows' values written as the outputs write them (<paramref name="json"/> and <paramref name="buffer"/> reused).</summary>
    private static byte[] Serialize(Utf8JsonWriter json, System.Buffers.ArrayBufferWriter<byte> buffer, ChangeEvent trigger, string version, long revision, ComputationKind kind,
        List<FeatureResult> rows, JobError? error, string? parameters)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        json.WriteStartObject();
        json.WriteString(SourceName, trigger.Source);
        json.WriteString(EventIdName, trigger.EventId);
        json.WriteString(KeyName, trigger.EntityKey);
        json.WriteNumber(EventTimeName, trigger.EventTime);
        json.WriteString(VersionName, version);
        json.WriteNumber(RevisionName, revision);
        json.WriteNumber(KindName, (int)kind);
        json.WriteStartArray(RowsName);
        foreach (var row in rows)
        {
            ResultJson.WriteValues(json, row);
        }
        json.WriteEndArray();
        if (error is not null)
        {
            json.WriteString(ErrorName, $"{error.ErrorType}: {error.Message}");
        }
        if (parameters is not null)
        {
            json.WriteString(ParametersName, parameters);
        }
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] RowKey(string job, string source, string eventId) => RowKey(Encoding.UTF8.GetBytes(job), source, eventId);

    private static byte[] RowKey(byte[] job, string source, string eventId)
    {
        var key = new byte[job.Length + 1 + Encoding.UTF8.GetByteCount(source) + 1 + Encoding.UTF8.GetByteCount(eventId)];
        job.CopyTo(key, 0);
        var at = job.Length + 1;
        at += Encoding.UTF8.GetBytes(source, key.AsSpan(at)) + 1;
        Encoding.UTF8.GetBytes(eventId, key.AsSpan(at));
        return key;
    }
}

/// <summary>How a logged computation was made.</summary>
public enum ComputationKind
{
    /// <summary>By the live run of the event.</summary>
    Live,

    /// <summary>Again, because a late event changed what it read.</summary>
    Repair,

    /// <summary>Again, by a correction replay whose result differed.</summary>
    Correction,
}

/// <summary>One revision of a computation as the result log keeps it.</summary>
/// <param name="Source">The trigger's source.</param>
/// <param name="EventId">The trigger's event id.</param>
/// <param name="Key">The trigger's entity key.</param>
/// <param name="EventTime">The trigger's event time (ms).</param>
/// <param name="Version">The job version that computed it.</param>
/// <param name="Revision">When this revision's computation started (ms): a newer one replaces it.</param>
/// <param name="Kind">Live, repair or correction.</param>
/// <param name="Rows">The result rows as JSON objects (column → value, as the outputs write them), in row order.</param>
/// <param name="Error">"ErrorType: message" when the logic failed.</param>
/// <param name="Parameters">The <see cref="Parameters.ParameterIdentity"/> of the values it ran with (null: not recorded).</param>
public sealed record LoggedComputation(
    string Source, string EventId, string Key, long EventTime, string Version, long Revision, ComputationKind Kind,
    IReadOnlyList<JsonElement> Rows, string? Error, string? Parameters = null);
