namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>The columns of a job's result rows, in declared order.</summary>
public sealed class ResultSchema
{
    private readonly Dictionary<string, int> _ordinals;

    /// <summary>Creates a schema from the declared outputs.</summary>
    public ResultSchema(IReadOnlyList<OutputDefinition> columns)
    {
        Columns = columns;
        _ordinals = columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>The columns in declared order.</summary>
    public IReadOnlyList<OutputDefinition> Columns { get; }

    /// <summary>The position of a column, or -1.</summary>
    public int OrdinalOf(string name) => _ordinals.TryGetValue(name, out var i) ? i : -1;
}

/// <summary>One result row: values typed by the schema (long, double, bool, string or null).</summary>
public sealed class ResultRow
{
    private readonly object?[] _values;

    internal ResultRow(ResultSchema schema, object?[] values)
    {
        Schema = schema;
        _values = values;
    }

    /// <summary>A row of <paramref name="values"/> in <paramref name="schema"/>'s column order (rows that crossed from a worker process).</summary>
    /// <exception cref="ArgumentException">The number of values is not the number of columns.</exception>
    public static ResultRow Create(ResultSchema schema, object?[] values)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != schema.Columns.Count)
        {
            throw new ArgumentException($"{values.Length} values for {schema.Columns.Count} columns", nameof(values));
        }
        return new ResultRow(schema, values);
    }

    /// <summary>The schema the row was converted with.</summary>
    public ResultSchema Schema { get; }

    /// <summary>The values in column order.</summary>
    public IReadOnlyList<object?> Values => _values;

    /// <summary>The value of a column by name.</summary>
    public object? this[string column] => Schema.OrdinalOf(column) is var i and >= 0
        ? _values[i]
        : throw new KeyNotFoundException($"no output column '{column}' (declared: {string.Join(", ", Schema.Columns.Select(c => c.Name))})");

    /// <summary>The value of a column by name, cast to <typeparamref name="T"/>.</summary>
    public T? Get<T>(string column) => (T?)this[column];

    /// <summary>The row as a name → value dictionary.</summary>
    public IReadOnlyDictionary<string, object?> ToDictionary() =>
        Schema.Columns.Select((c, i) => (c.Name, _values[i])).ToDictionary(x => x.Name, x => x.Item2, StringComparer.Ordinal);
}

/// <summary>What one event of a batch produced: its rows, or the error its logic raised.</summary>
/// <param name="Event">The event.</param>
/// <param name="Rows">The rows (empty on error).</param>
/// <param name="Error">The failure, or null.</param>
/// <param name="Version">The job version (content hash) whose code ran the event.</param>
public sealed record EventOutcome(FeatureEvent Event, IReadOnlyList<ResultRow> Rows, PythonJobException? Error, string Version)
{
    /// <summary>True when the logic succeeded.</summary>
    public bool Succeeded => Error is null;
}
