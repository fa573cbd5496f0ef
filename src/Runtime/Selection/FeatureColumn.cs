namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// One feature column of a <see cref="FeatureTable"/>: typed arrays indexed by row (kind, number, text, cell event
/// time). Texts are allocated on the first string, timestamp or other value. Not thread-safe: the table locks.
/// </summary>
internal sealed class FeatureColumn
{
    private ValueKind[] kinds;
    private double[] numbers;
    private string?[]? texts;
    private long[] stamps;

    public FeatureColumn(string name, int capacity)
    {
        Name = name;
        kinds = new ValueKind[capacity];
        numbers = new double[capacity];
        stamps = new long[capacity];
    }

    /// <summary>The column's name.</summary>
    public string Name { get; }

    /// <summary>The kinds of value seen in this column (bit per <see cref="ValueKind"/>, null excluded).</summary>
    public int KindsSeen { get; private set; }

    /// <summary>Kind per row.</summary>
    public ReadOnlySpan<ValueKind> Kinds => kinds;

    /// <summary>Number per row (numbers, timestamp ms, booleans 1/0).</summary>
    public ReadOnlySpan<double> Numbers => numbers;

    /// <summary>Text per row (strings, timestamps, others); empty when the column never held one.</summary>
    public ReadOnlySpan<string?> Texts => texts;

    /// <summary>The value at <paramref name="row"/>.</summary>
    public CellValue Get(int row) => new(kinds[row], numbers[row], texts?[row]);

    /// <summary>The event time of the value at <paramref name="row"/> (0: never written).</summary>
    public long StampAt(int row) => stamps[row];

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="row"/> when <paramref name="stamp"/> is newer than the cell's
    /// (or equal, with <paramref name="replaceEqual"/>): the newest event time wins, as in the store.
    /// </summary>
    public bool Set(int row, in CellValue value, long stamp, bool replaceEqual)
    {
        var current = stamps[row];
        if (current > stamp || (current == stamp && !replaceEqual && current != 0))
        {
            return false;
        }
        kinds[row] = value.Kind;
        numbers[row] = value.Number;
        if (value.Text is not null)
        {
            texts ??= new string?[kinds.Length];
            texts[row] = value.Text;
        }
        else if (texts is not null)
        {
            texts[row] = null;
        }
        stamps[row] = stamp;
        if (value.Kind != ValueKind.Null)
        {
            KindsSeen |= 1 << (int)value.Kind;
        }
        return true;
    }

    /// <summary>Grows the arrays to <paramref name="capacity"/> rows.</summary>
    public void Grow(int capacity)
    {
        Array.Resize(ref kinds, capacity);
        Array.Resize(ref numbers, capacity);
        Array.Resize(ref stamps, capacity);
        if (texts is not null)
        {
            Array.Resize(ref texts, capacity);
        }
    }
}
