using System.Numerics;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Evaluates a <see cref="Predicate"/> over a <see cref="FeatureTable"/> column by column: each comparison scans one
/// typed column into a bit set, and/or/not combine bit sets word by word. The caller holds the table's read lock
/// (<see cref="FeatureTable.Read{T}"/>). Both engines use it: the in-memory copy over the whole table, the scan engine
/// over each decoded page.
/// </summary>
public static class PredicateEvaluator
{
    /// <summary>The rows of <paramref name="table"/> that match, as a bit set of <see cref="FeatureTable.Count"/> bits.</summary>
    public static ulong[] Evaluate(FeatureTable table, Predicate predicate)
    {
        var n = table.Count;
        var words = (n + 63) >> 6;
        return Eval(table, predicate, n, words);
    }

    /// <summary>Set bits in <paramref name="bits"/>.</summary>
    public static int Count(ulong[] bits)
    {
        var count = 0;
        foreach (var w in bits)
        {
            count += BitOperations.PopCount(w);
        }
        return count;
    }

    /// <summary>The indexes of the set bits, in order.</summary>
    public static IEnumerable<int> Rows(ulong[] bits)
    {
        for (var w = 0; w < bits.Length; w++)
        {
            var word = bits[w];
            while (word != 0)
            {
                var bit = BitOperations.TrailingZeroCount(word);
                yield return (w << 6) + bit;
                word &= word - 1;
            }
        }
    }

    private static ulong[] Eval(FeatureTable table, Predicate predicate, int n, int words)
    {
        switch (predicate)
        {
            case AllOf all:
            {
                var result = All(n, words);
                foreach (var operand in all.Operands)
                {
                    var bits = Eval(table, operand, n, words);
                    for (var i = 0; i < words; i++)
                    {
                        result[i] &= bits[i];
                    }
                }
                return result;
            }
            case AnyOf any:
            {
                var result = new ulong[words];
                foreach (var operand in any.Operands)
                {
                    var bits = Eval(table, operand, n, words);
                    for (var i = 0; i < words; i++)
                    {
                        result[i] |= bits[i];
                    }
                }
                return result;
            }
            case Not not:
            {
                var bits = Eval(table, not.Operand, n, words);
                var all = All(n, words);
                for (var i = 0; i < words; i++)
                {
                    bits[i] = ~bits[i] & all[i];
                }
                return bits;
            }
            case Comparison c:
                return Compare(table, c, n, words);
            default:
                throw new ArgumentException($"Unknown predicate {predicate.GetType().Name}.", nameof(predicate));
        }
    }

    private static ulong[] All(int n, int words)
    {
        var bits = new ulong[words];
        Array.Fill(bits, ulong.MaxValue);
        if ((n & 63) != 0)
        {
            bits[words - 1] = (1UL << (n & 63)) - 1;
        }
        return bits;
    }

    private static ulong[] Compare(FeatureTable table, Comparison c, int n, int words)
    {
        var bits = new ulong[words];
        if (c.Column == FeatureTable.UpdatedColumn)
        {
            var updated = table.Updated;
            if (c.Op == Op.IsNotNull)
            {
                return All(n, words);
            }
            if (c.Op == Op.IsNull || c.Values[0].Kind is not (ValueKind.Timestamp or ValueKind.Number))
            {
                return bits;
            }
            for (var row = 0; row < n; row++)
            {
                if (NumberMatches(c, updated[row]))
                {
                    bits[row >> 6] |= 1UL << (row & 63);
                }
            }
            return bits;
        }
        var column = table.Column(c.Column);
        if (column is null)
        {
            return c.Op == Op.IsNull ? All(n, words) : bits;
        }
        var kinds = column.Kinds;
        if (c.Op is Op.IsNull or Op.IsNotNull)
        {
            var wantNull = c.Op == Op.IsNull;
            for (var row = 0; row < n; row++)
            {
                if ((kinds[row] == ValueKind.Null) == wantNull)
                {
                    bits[row >> 6] |= 1UL << (row & 63);
                }
            }
            return bits;
        }
        var literal = c.Values[0].Kind;
        if (literal == ValueKind.String)
        {
            var texts = column.Texts;
            if (texts.IsEmpty)
            {
                return bits;
            }
            HashSet<string>? set = c.Op == Op.In ? c.Values.Select(v => v.Text!).ToHashSet(StringComparer.Ordinal) : null;
            for (var row = 0; row < n; row++)
            {
                if (kinds[row] is ValueKind.String or ValueKind.Timestamp && TextMatches(c, texts[row]!, set))
                {
                    bits[row >> 6] |= 1UL << (row & 63);
                }
            }
            return bits;
        }
        var numbers = column.Numbers;
        var timestamp = literal == ValueKind.Timestamp;
        var wanted = literal == ValueKind.Boolean ? ValueKind.Boolean : ValueKind.Number;
        HashSet<double>? numberSet = c.Op == Op.In ? c.Values.Select(v => v.Number).ToHashSet() : null;
        for (var row = 0; row < n; row++)
        {
            var kind = kinds[row];
            if ((kind == wanted || (timestamp && kind == ValueKind.Timestamp)) && (numberSet?.Contains(numbers[row]) ?? NumberMatches(c, numbers[row])))
            {
                bits[row >> 6] |= 1UL << (row & 63);
            }
        }
        return bits;
    }

    /// <summary>Whether a number (or timestamp ms, or boolean 1/0) matches the comparison.</summary>
    public static bool NumberMatches(Comparison c, double value) => c.Op switch
    {
        Op.Eq => value == c.Values[0].Number,
        Op.Ne => value != c.Values[0].Number,
        Op.Lt => value < c.Values[0].Number,
        Op.Le => value <= c.Values[0].Number,
        Op.Gt => value > c.Values[0].Number,
        Op.Ge => value >= c.Values[0].Number,
        Op.Between => value >= c.Values[0].Number && value <= c.Values[1].Number,
        Op.In => c.Values.Any(v => v.Number == value),
        _ => false,
    };

    private static bool TextMatches(Comparison c, string value, HashSet<string>? set) => c.Op switch
    {
        Op.Eq => string.Equals(value, c.Values[0].Text, StringComparison.Ordinal),
        Op.Ne => !string.Equals(value, c.Values[0].Text, StringComparison.Ordinal),
        Op.Lt => string.CompareOrdinal(value, c.Values[0].Text) < 0,
        Op.Le => string.CompareOrdinal(value, c.Values[0].Text) <= 0,
        Op.Gt => string.CompareOrdinal(value, c.Values[0].Text) > 0,
        Op.Ge => string.CompareOrdinal(value, c.Values[0].Text) >= 0,
        Op.Between => string.CompareOrdinal(value, c.Values[0].Text) >= 0 && string.CompareOrdinal(value, c.Values[1].Text) <= 0,
        Op.In => set!.Contains(value),
        _ => false,
    };
}
