using System.Globalization;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Selection;
using FeaturePlatform.Runtime.Tests.Outputs;
using FeaturePlatform.Testing.Storage;

namespace FeaturePlatform.Runtime.Tests.Selection;

/// <summary>
/// Selection answers equal a brute-force filter of the same rows, for seeded random data and predicates: the in-memory
/// copy kept in step with writes, the copy rebuilt from the temp.Store, and the scan engine over the temp.Store.
/// </summary>
public sealed class SelectionPropertyTests : IAsyncLifetime
{
    private const string Job = "sel_job";
    private static readonly string[] Columns = ["n", "x", "s", "b", "t", "sparse"];

    private readonly TempEmbeddedStore temp = TempEmbeddedStore.Open("fp-selection-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await temp.DisposeAsync();

    [Fact]
    public async Task Every_engine_equals_a_brute_force_filter_for_random_predicates()
    {
        var copy = new SelectionCopy();
        var features = new FeatureStore(temp.Store, saltBuckets: 4, listener: copy);
        await RunAsync(features, copy, 20261206, 300, rebuilt => [new MemorySelectionEngine(copy), new MemorySelectionEngine(rebuilt), new ScanSelectionEngine(features)]);
    }

    /// <summary>
    /// Writes seeded random results through <paramref name="features"/> (whose listener is <paramref name="copy"/>), then
    /// checks every engine <paramref name="engines"/> gives (the argument is a copy rebuilt from the temp.Store afterwards) against
    /// the reference for <paramref name="rounds"/> random predicates. Returns the rounds a filter was pushed down.
    /// </summary>
    internal static async Task<int> RunAsync(FeatureStore features, SelectionCopy copy, int seed, int rounds, Func<SelectionCopy, ISelectionEngine[]> engines)
    {
        var random = new Random(seed);
        await features.EnsureTableAsync(CancellationToken.None);
        // The copy of this process starts (empty) before the writes; the rebuilt one loads after them.
        await copy.LoadAsync(features, CancellationToken.None);

        var truth = new Dictionary<string, Dictionary<string, (object? Value, long Time)>>(StringComparer.Ordinal);
        var results = new List<FeatureResult>();
        for (var i = 0; i < 3000; i++)
        {
            var key = "k" + random.Next(600).ToString("D3", CultureInfo.InvariantCulture);
            var time = OutputTestData.T0 + random.Next(50) * 1000L; // collisions and older-than-stored writes on purpose
            var values = Columns.Where(_ => random.NextDouble() < 0.7).Select(c => (c, RandomValue(random, c))).ToArray();
            if (values.Length == 0)
            {
                continue;
            }
            var result = OutputTestData.Result(Job, key, time, "e" + i, values);
            results.Add(result);
            var row = truth.TryGetValue(key, out var r) ? r : truth[key] = new(StringComparer.Ordinal);
            foreach (var (column, value) in values)
            {
                if (!row.TryGetValue(column, out var current) || current.Time <= time)
                {
                    row[column] = (value, time);
                }
            }
            if (results.Count == 50)
            {
                await features.WriteAsync(results, CancellationToken.None);
                results.Clear();
            }
        }
        await features.WriteAsync(results, CancellationToken.None);

        var rebuilt = new SelectionCopy();
        await rebuilt.LoadAsync(features, CancellationToken.None);
        var all = engines(rebuilt);
        var pushed = 0;
        for (var round = 0; round < rounds; round++)
        {
            var predicate = RandomPredicate(random, 0);
            var expected = truth.Where(kv => Reference(predicate, kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            foreach (var engine in all)
            {
                var page = await engine.SelectAsync(new SelectionQuery(Job, predicate, ["n", "s"], 10_000, null), CancellationToken.None);
                pushed += page.PushedDown is null ? 0 : 1;
                Assert.True(expected.Count == page.Count, $"round {round}, {engine.Name}: count {page.Count} != {expected.Count} for {PredicateParser.ToJson(predicate)}");
                Assert.Equal(expected, page.Rows.Select(r => r.Key).ToList());
                foreach (var row in page.Rows)
                {
                    Assert.Equal(Display(truth[row.Key], "n"), row.Values[0].Display());
                }
            }
            // Paging with the cursor walks the same keys.
            var walked = new List<string>();
            string? after = null;
            do
            {
                var page = await all[0].SelectAsync(new SelectionQuery(Job, predicate, [], 37, after), CancellationToken.None);
                walked.AddRange(page.Rows.Select(r => r.Key));
                after = page.NextAfter;
            }
            while (after is not null);
            Assert.Equal(expected, walked);
        }
        return pushed;
    }

    private static string? Display(Dictionary<string, (object? Value, long Time)> row, string column) =>
        row.TryGetValue(column, out var cell) ? CellValue.From(cell.Value).Display() : null;

    private static object? RandomValue(Random random, string column) => random.Next(12) == 0 ? null : column switch
    {
        "n" => (long)random.Next(-5, 20),
        "x" => Math.Round(random.NextDouble() * 10, 1),
        "s" => "v" + random.Next(8),
        "b" => random.Next(2) == 0,
        "t" => DateTimeOffset.FromUnixTimeMilliseconds(OutputTestData.T0 + random.Next(10) * 3_600_000L).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        _ => random.Next(3) == 0 ? "z" : (object)(long)random.Next(3),
    };

    private static Predicate RandomPredicate(Random random, int depth)
    {
        var pick = depth > 2 ? random.Next(4) : random.Next(7);
        if (pick >= 4)
        {
            var operands = Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomPredicate(random, depth + 1)).ToList();
            return pick switch
            {
                4 => new AllOf(operands),
                5 => new AnyOf(operands),
                _ => new Not(RandomPredicate(random, depth + 1)),
            };
        }
        var column = random.Next(8) == 0 ? FeatureTable.UpdatedColumn : Columns[random.Next(Columns.Length)];
        var ops = column switch
        {
            "b" => new[] { Op.Eq, Op.Ne, Op.In, Op.IsNull, Op.IsNotNull },
            _ => Enum.GetValues<Op>(),
        };
        var op = ops[random.Next(ops.Length)];
        var count = op switch { Op.IsNull or Op.IsNotNull => 0, Op.Between => 2, Op.In => random.Next(1, 4), _ => 1 };
        var kind = RandomLiteralKind(random, column);
        var values = Enumerable.Range(0, count).Select(_ => RandomLiteral(random, kind)).ToList();
        return new Comparison(column, op, values);
    }

    private static ValueKind RandomLiteralKind(Random random, string column) => column switch
    {
        "n" or "x" => random.Next(5) == 0 ? ValueKind.Timestamp : ValueKind.Number,
        "s" => ValueKind.String,
        "b" => ValueKind.Boolean,
        "t" => random.Next(4) == 0 ? ValueKind.String : ValueKind.Timestamp,
        FeatureTable.UpdatedColumn => ValueKind.Timestamp,
        _ => random.Next(2) == 0 ? ValueKind.String : ValueKind.Number,
    };

    private static Literal RandomLiteral(Random random, ValueKind kind) => kind switch
    {
        ValueKind.Number => Literal.Of(random.Next(3) == 0 ? Math.Round(random.NextDouble() * 10, 1) : random.Next(-5, 20)),
        ValueKind.String => Literal.Of(random.Next(5) == 0 ? "2026-01-01T03" : "v" + random.Next(9)),
        ValueKind.Boolean => Literal.Of(random.Next(2) == 0),
        _ => Literal.Time(OutputTestData.T0 + random.Next(-2, 12) * 3_600_000L + random.Next(2) * 7_000L),
    };

    /// <summary>The reference semantics, written independently of the engine: one row, one value at a time.</summary>
    private static bool Reference(Predicate predicate, Dictionary<string, (object? Value, long Time)> row) => predicate switch
    {
        AllOf all => all.Operands.All(p => Reference(p, row)),
        AnyOf any => any.Operands.Any(p => Reference(p, row)),
        Not not => !Reference(not.Operand, row),
        Comparison c => Compare(c, c.Column == FeatureTable.UpdatedColumn
            ? (object)DateTimeOffset.FromUnixTimeMilliseconds(row.Values.Max(v => v.Time))
            : row.TryGetValue(c.Column, out var cell) ? cell.Value : null),
        _ => throw new InvalidOperationException(),
    };

    private static bool Compare(Comparison c, object? value)
    {
        if (c.Op == Op.IsNull)
        {
            return value is null;
        }
        if (c.Op == Op.IsNotNull)
        {
            return value is not null;
        }
        // The value as the literal's type sees it, or no match.
        IComparable? seen = (c.Values[0].Kind, value) switch
        {
            (ValueKind.Number, long l) => (double)l,
            (ValueKind.Number, double d) => d,
            (ValueKind.Timestamp, long l) => (double)l,
            (ValueKind.Timestamp, double d) => d,
            (ValueKind.Timestamp, DateTimeOffset t) => (double)t.ToUnixTimeMilliseconds(),
            (ValueKind.Timestamp, string s) when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && s.Length >= 10 && s[4] == '-'
                => (double)t.ToUnixTimeMilliseconds(),
            (ValueKind.String, string s) => s,
            (ValueKind.Boolean, bool b) => b ? 1.0 : 0.0,
            _ => null,
        };
        if (seen is null)
        {
            return false;
        }
        int Cmp(Literal l) => seen is string s ? string.CompareOrdinal(s, l.Text) : ((double)seen).CompareTo(l.Number);
        return c.Op switch
        {
            Op.Eq => Cmp(c.Values[0]) == 0,
            Op.Ne => Cmp(c.Values[0]) != 0,
            Op.Lt => Cmp(c.Values[0]) < 0,
            Op.Le => Cmp(c.Values[0]) <= 0,
            Op.Gt => Cmp(c.Values[0]) > 0,
            Op.Ge => Cmp(c.Values[0]) >= 0,
            Op.Between => Cmp(c.Values[0]) >= 0 && Cmp(c.Values[1]) <= 0,
            Op.In => c.Values.Any(l => Cmp(l) == 0),
            _ => false,
        };
    }
}
