namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// One feature column of a <see cref="FeatureTable"/>: typed arrays indexed by row (kind, number, cell event time) and
/// the texts (strings, timestamps as written, other JSON) dictionary-encoded: each row holds a code into the column's
/// list of distinct texts, so a text predicate is decided once per distinct text and then looked up per row.
/// Not thread-safe: the table locks.
/// </summary>
internal sealed class FeatureColumn
{
    // Below this many codes a dictionary is never compacted (a small column's dead texts cost nothing worth a pass).
    private const int MinCompactCodes = 4096;

    private ValueKind[] kinds;
    private double[] numbers;
    private long[] stamps;
    private int[]? codes; // 0: no text; else 1 + index into texts
    private TextDictionary? dictionary;

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

    /// <summary>Text code per row (0: none; else 1 + an index into <see cref="DistinctTexts"/>); empty when the column never held a text.</summary>
    public ReadOnlySpan<int> TextCodes => codes;

    /// <summary>The distinct texts the codes point to (some may no longer be used by any row until the next compaction).</summary>
    public IReadOnlyList<string> DistinctTexts => (IReadOnlyList<string>?)dictionary?.Texts ?? [];

    /// <summary>The value at <paramref name="row"/>.</summary>
    public CellValue Get(int row) => new(kinds[row], numbers[row], codes is not null && codes[row] != 0 ? dictionary!.Texts[codes[row] - 1] : null);

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
            codes ??= new int[kinds.Length];
            dictionary ??= new TextDictionary();
            if (dictionary.Texts.Count >= Math.Max(MinCompactCodes, 2 * kinds.Length))
            {
                Compact();
            }
            codes[row] = dictionary.Code(value.Text);
        }
        else if (codes is not null)
        {
            codes[row] = 0;
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
        if (codes is not null)
        {
            Array.Resize(ref codes, capacity);
        }
    }

    /// <summary>
    /// Drops the texts no row uses any more (values overwritten by newer ones): run when the dictionary has twice as
    /// many texts as the column has rows of capacity, so its memory stays within a constant factor of the live texts and
    /// the amortised cost per write is O(1).
    /// </summary>
    private void Compact()
    {
        var old = dictionary!.Texts;
        var fresh = new TextDictionary();
        for (var row = 0; row < codes!.Length; row++)
        {
            if (codes[row] != 0)
            {
                codes[row] = fresh.Code(old[codes[row] - 1]);
            }
        }
        dictionary = fresh;
    }

    /// <summary>Distinct texts and their codes (1-based).</summary>
    private sealed class TextDictionary
    {
        private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);

        public List<string> Texts { get; } = [];

        public int Code(string text)
        {
            if (!index.TryGetValue(text, out var code))
            {
                Texts.Add(text);
                code = Texts.Count;
                index.Add(text, code);
            }
            return code;
        }
    }
}
