using System.Numerics;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Evaluates a <see cref="Predicate"/> over a <see cref="FeatureTable"/> column by column: each comparison is compiled
/// once (its operator, literals and accepted kinds chosen before the row loop; a text comparison decided once per
/// distinct text of the column) and then scans one typed column into a bit set (<see cref="ColumnKernels"/>);
/// and/or/not combine bit sets word by word. The caller holds the table's read lock
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
            if (c.Op == Op.IsNotNull)
            {
                return All(n, words);
            }
            if (c.Op != Op.IsNull && c.Values[0].Kind is ValueKind.Timestamp or ValueKind.Number)
            {
                Numbers(c, new TimesSink(table, n, bits));
            }
            return bits;
        }
        var column = table.Column(c.Column);
        if (column is null)
        {
            return c.Op == Op.IsNull ? All(n, words) : bits;
        }
        if (c.Op is Op.IsNull or Op.IsNotNull)
        {
            ColumnKernels.Nulls(column.Kinds, c.Op == Op.IsNull, n, bits);
            return bits;
        }
        var literal = c.Values[0].Kind;
        if (literal == ValueKind.String)
        {
            if (!column.TextCodes.IsEmpty)
            {
                ColumnKernels.Texts(column.Kinds, column.TextCodes, KindBit(ValueKind.String) | KindBit(ValueKind.Timestamp), TextMatches(c, column.DistinctTexts), n, bits);
            }
            return bits;
        }
        var accept = literal switch
        {
            ValueKind.Boolean => KindBit(ValueKind.Boolean),
            ValueKind.Timestamp => KindBit(ValueKind.Number) | KindBit(ValueKind.Timestamp),
            _ => KindBit(ValueKind.Number),
        };
        Numbers(c, new NumbersSink(column, accept, n, bits));
        return bits;
    }

    private static int KindBit(ValueKind kind) => 1 << (int)kind;

    /// <summary>Chooses the number test of <paramref name="c"/> once and runs the sink's loop with it.</summary>
    private static void Numbers<TSink>(Comparison c, TSink sink)
        where TSink : struct, INumberSink
    {
        var x = c.Values[0].Number;
        switch (c.Op)
        {
            case Op.Eq:
                sink.Run(new EqTest(x));
                break;
            case Op.Ne:
                sink.Run(new NeTest(x));
                break;
            case Op.Lt:
                sink.Run(new LtTest(x));
                break;
            case Op.Le:
                sink.Run(new LeTest(x));
                break;
            case Op.Gt:
                sink.Run(new GtTest(x));
                break;
            case Op.Ge:
                sink.Run(new GeTest(x));
                break;
            case Op.Between:
                sink.Run(new BetweenTest(x, c.Values[1].Number));
                break;
            case Op.In when c.Values.Count <= 8:
                sink.Run(new InListTest([.. c.Values.Select(v => v.Number)]));
                break;
            case Op.In:
                sink.Run(new InSetTest([.. c.Values.Select(v => v.Number)]));
                break;
            default:
                break;
        }
    }

    /// <summary>The comparison decided once per distinct text: index = text code (0, no text: false).</summary>
    private static bool[] TextMatches(Comparison c, IReadOnlyList<string> texts)
    {
        var matches = new bool[texts.Count + 1];
        HashSet<string>? set = c.Op == Op.In ? c.Values.Select(v => v.Text!).ToHashSet(StringComparer.Ordinal) : null;
        for (var i = 0; i < texts.Count; i++)
        {
            matches[i + 1] = TextMatches(c, texts[i], set);
        }
        return matches;
    }

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

    /// <summary>A row loop that takes its number test as a type argument (so each test compiles into its own loop).</summary>
    private interface INumberSink
    {
        void Run<T>(T test)
            where T : struct, INumberTest;
    }

    private readonly struct NumbersSink(FeatureColumn column, int accept, int n, ulong[] bits) : INumberSink
    {
        public void Run<T>(T test)
            where T : struct, INumberTest => ColumnKernels.Numbers(column.Kinds, column.Numbers, accept, test, n, bits);
    }

    private readonly struct TimesSink(FeatureTable table, int n, ulong[] bits) : INumberSink
    {
        public void Run<T>(T test)
            where T : struct, INumberTest => ColumnKernels.Times(table.Updated, test, n, bits);
    }
}
