namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// The row loops of <see cref="PredicateEvaluator"/>: each fills a bit set (bit <c>row</c> of word <c>row / 64</c>) from
/// one column's arrays with the test already chosen, so the per-row work is a kind check and one typed test, built 64
/// rows to a word without branches on the operator. Number tests are structs, so each operator gets its own compiled loop.
/// </summary>
internal static class ColumnKernels
{
    /// <summary>Rows whose kind is in <paramref name="acceptKinds"/> (a bit per <see cref="ValueKind"/>) and whose number passes <paramref name="test"/>.</summary>
    public static void Numbers<T>(ReadOnlySpan<ValueKind> kinds, ReadOnlySpan<double> numbers, int acceptKinds, T test, int n, ulong[] bits)
        where T : struct, INumberTest
    {
        kinds = kinds[..n];
        numbers = numbers[..n];
        for (int w = 0, row = 0; row < n; w++)
        {
            var word = 0UL;
            var end = Math.Min(row + 64, n);
            for (var bit = 0; row < end; row++, bit++)
            {
                var ok = (((acceptKinds >> (int)kinds[row]) & 1) != 0) & test.Test(numbers[row]);
                word |= (ok ? 1UL : 0UL) << bit;
            }
            bits[w] = word;
        }
    }

    /// <summary>Rows whose event time (as a number of ms) passes <paramref name="test"/>.</summary>
    public static void Times<T>(ReadOnlySpan<long> times, T test, int n, ulong[] bits)
        where T : struct, INumberTest
    {
        times = times[..n];
        for (int w = 0, row = 0; row < n; w++)
        {
            var word = 0UL;
            var end = Math.Min(row + 64, n);
            for (var bit = 0; row < end; row++, bit++)
            {
                word |= (test.Test(times[row]) ? 1UL : 0UL) << bit;
            }
            bits[w] = word;
        }
    }

    /// <summary>Rows whose kind is in <paramref name="acceptKinds"/> and whose text code is marked in <paramref name="matchByCode"/> (index 0: no text, false).</summary>
    public static void Texts(ReadOnlySpan<ValueKind> kinds, ReadOnlySpan<int> codes, int acceptKinds, bool[] matchByCode, int n, ulong[] bits)
    {
        kinds = kinds[..n];
        codes = codes[..n];
        for (int w = 0, row = 0; row < n; w++)
        {
            var word = 0UL;
            var end = Math.Min(row + 64, n);
            for (var bit = 0; row < end; row++, bit++)
            {
                var ok = (((acceptKinds >> (int)kinds[row]) & 1) != 0) & matchByCode[codes[row]];
                word |= (ok ? 1UL : 0UL) << bit;
            }
            bits[w] = word;
        }
    }

    /// <summary>Rows that are null (<paramref name="wantNull"/>) or not null.</summary>
    public static void Nulls(ReadOnlySpan<ValueKind> kinds, bool wantNull, int n, ulong[] bits)
    {
        kinds = kinds[..n];
        for (int w = 0, row = 0; row < n; w++)
        {
            var word = 0UL;
            var end = Math.Min(row + 64, n);
            for (var bit = 0; row < end; row++, bit++)
            {
                word |= ((kinds[row] == ValueKind.Null) == wantNull ? 1UL : 0UL) << bit;
            }
            bits[w] = word;
        }
    }
}

/// <summary>A test of one number (a number, timestamp ms or boolean 1/0), chosen once per comparison.</summary>
internal interface INumberTest
{
    /// <summary>Whether <paramref name="value"/> passes.</summary>
    bool Test(double value);
}

/// <summary><c>= x</c></summary>
internal readonly struct EqTest(double x) : INumberTest
{
    public bool Test(double value) => value == x;
}

/// <summary><c>!= x</c></summary>
internal readonly struct NeTest(double x) : INumberTest
{
    public bool Test(double value) => value != x;
}

/// <summary><c>&lt; x</c></summary>
internal readonly struct LtTest(double x) : INumberTest
{
    public bool Test(double value) => value < x;
}

/// <summary><c>&lt;= x</c></summary>
internal readonly struct LeTest(double x) : INumberTest
{
    public bool Test(double value) => value <= x;
}

/// <summary><c>&gt; x</c></summary>
internal readonly struct GtTest(double x) : INumberTest
{
    public bool Test(double value) => value > x;
}

/// <summary><c>&gt;= x</c></summary>
internal readonly struct GeTest(double x) : INumberTest
{
    public bool Test(double value) => value >= x;
}

/// <summary><c>between low and high</c> (both inclusive).</summary>
internal readonly struct BetweenTest(double low, double high) : INumberTest
{
    public bool Test(double value) => (value >= low) & (value <= high);
}

/// <summary><c>in (…)</c> of a few values: a linear pass (faster than hashing for short lists).</summary>
internal readonly struct InListTest(double[] values) : INumberTest
{
    public bool Test(double value)
    {
        foreach (var v in values)
        {
            if (v == value)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary><c>in (…)</c> of many values: a hash set.</summary>
internal readonly struct InSetTest(HashSet<double> values) : INumberTest
{
    public bool Test(double value) => values.Contains(value);
}
