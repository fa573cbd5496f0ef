using System.Text.Json;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Exports;
using FeaturePlatform.Runtime.Replay;
using PyValueType = FeaturePlatform.PyBridge.Jobs.ValueType;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// A run's results as <c>results.parquet</c> for analysis (pandas, Spark, DuckDB): columns <c>job</c>, <c>key</c>,
/// <c>event_time</c> (INT64, ms since the Unix epoch), <c>event_id</c>, <c>label</c> (sample-table runs: the row's label
/// as text), then the job's declared outputs typed as declared (int → INT64, float → DOUBLE, bool → BOOLEAN,
/// str → STRING, all nullable). File metadata (key-value, JSON values) under the <c>featureplatform.</c> prefix: run id,
/// job, job version, the versions that ran (rows per version), the parameter values used per stretch of event time and
/// the overrides, the model versions seen, the run's input (range and source, or sample table) and the column
/// declarations. See docs/offline.md.
/// </summary>
/// <remarks>Rows are written as row groups while the run goes; the footer and metadata when the run disposes its outputs.</remarks>
public sealed class BacktestParquetOutput(RunContext run, bool includeLabel) : IJobOutput
{
    /// <summary>File name in the run's result directory.</summary>
    public const string FileName = "results.parquet";

    /// <summary>Prefix of the file's metadata keys.</summary>
    public const string MetadataPrefix = "featureplatform.";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly IReadOnlyList<PyBridge.Jobs.OutputDefinition> outputs = run.Job.Declaration.Outputs;
    private readonly Dictionary<string, long> versions = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SortedSet<string>> models = new(StringComparer.Ordinal);
    private ParquetTableWriter? writer;
    private bool disposed;

    /// <summary>The file's path.</summary>
    public string Path { get; } = System.IO.Path.Combine(run.ResultDirectory ?? throw new ArgumentException("The run has no result directory.", nameof(run)), FileName);

    /// <inheritdoc />
    public string Name => "parquet:" + Path;

    /// <summary>The table's columns for a job's declared outputs.</summary>
    public static IReadOnlyList<TableColumn> ColumnsOf(IReadOnlyList<PyBridge.Jobs.OutputDefinition> outputs, bool includeLabel) =>
    [
        new("job", ColumnType.String, Nullable: false),
        new("key", ColumnType.String, Nullable: false),
        new("event_time", ColumnType.Int64, Nullable: false),
        new("event_id", ColumnType.String),
        .. includeLabel ? [new TableColumn("label", ColumnType.String)] : Array.Empty<TableColumn>(),
        .. outputs.Select(o => new TableColumn(o.Name, o.Type switch
        {
            PyValueType.Int => ColumnType.Int64,
            PyValueType.Float => ColumnType.Double,
            PyValueType.Bool => ColumnType.Bool,
            _ => ColumnType.String,
        })),
    ];

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            writer ??= await OpenAsync(cancellationToken);
            foreach (var result in results)
            {
                var row = new List<object?>(writer.Columns.Count) { result.Job, result.Key, result.EventTime, result.Trigger.EventId };
                if (includeLabel)
                {
                    row.Add(result.Trigger.Headers.GetValueOrDefault(Triggers.Samples.SampleTableTrigger.LabelHeader));
                }
                foreach (var output in outputs)
                {
                    row.Add(Find(result.Values, output.Name));
                }
                await writer.AppendAsync(row, CancellationToken.None);
                versions[result.JobVersion] = versions.GetValueOrDefault(result.JobVersion) + 1;
                foreach (var (model, version) in result.Models)
                {
                    if (!models.TryGetValue(model, out var seen))
                    {
                        models[model] = seen = new SortedSet<string>(StringComparer.Ordinal);
                    }
                    seen.Add(version);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Writes the rest, the metadata and the footer (an empty table when no row came); the file is then whole.</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            writer ??= await OpenAsync(CancellationToken.None);
            await writer.CompleteAsync(Metadata(), CancellationToken.None);
        }
        finally
        {
            gate.Release();
        }
    }

    private Task<ParquetTableWriter> OpenAsync(CancellationToken cancellationToken) =>
        ParquetTableWriter.CreateAsync(Path, ColumnsOf(outputs, includeLabel), cancellationToken: cancellationToken);

    private Dictionary<string, string> Metadata()
    {
        var json = RunSummaryFile.JsonOptions;
        object input = run.Input switch
        {
            TimeRangeInput r => new { kind = "range", from = r.From, to = r.To, source = r.Source },
            SampleTableInput s => new { kind = "sample", sample = s.Options?.Name ?? System.IO.Path.GetFileName(s.Path), source = s.Source },
            _ => new { kind = "unknown" },
        };
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MetadataPrefix + "run_id"] = run.RunId,
            [MetadataPrefix + "job"] = run.Job.Name,
            [MetadataPrefix + "job_version"] = run.Job.Version,
            [MetadataPrefix + "versions"] = JsonSerializer.Serialize(versions, json),
            [MetadataPrefix + "parameters"] = JsonSerializer.Serialize(run.Parameters?.Describe(), json),
            [MetadataPrefix + "models"] = JsonSerializer.Serialize(models, json),
            [MetadataPrefix + "input"] = JsonSerializer.Serialize(input, json),
            [MetadataPrefix + "columns"] = JsonSerializer.Serialize(
                outputs.Select(o => new { name = o.Name, type = o.Type.ToString().ToLowerInvariant(), nullable = o.Nullable, description = o.Description }), json),
        };
    }

    private static object? Find(IReadOnlyList<KeyValuePair<string, object?>> values, string column)
    {
        foreach (var (name, value) in values)
        {
            if (name == column)
            {
                return value;
            }
        }
        return null;
    }
}
