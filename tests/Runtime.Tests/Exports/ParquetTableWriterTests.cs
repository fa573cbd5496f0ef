using System.Text.Json;
using FeaturePlatform.Runtime.Exports;
using FeaturePlatform.Testing.Infrastructure;
using Parquet;

namespace FeaturePlatform.Runtime.Tests.Exports;

/// <summary>
/// The typed Parquet writer, read back with Parquet.Net's reader: Debian 12 ships no Parquet reader for Python
/// (no python3-pyarrow or python3-fastparquet), so the file is checked in C# — column types, nulls, values across
/// row groups, and the key-value metadata.
/// </summary>
public sealed class ParquetTableWriterTests
{
    private static readonly TableColumn[] Columns =
    [
        new("key", ColumnType.String, Nullable: false),
        new("n", ColumnType.Int64),
        new("x", ColumnType.Double),
        new("flag", ColumnType.Bool),
        new("text", ColumnType.String),
    ];

    [Fact]
    public async Task Typed_columns_nulls_row_groups_and_metadata_read_back_as_written()
    {
        var path = Path.Combine(Path.GetTempPath(), UniqueName.For("table") + ".parquet");
        var rows = Enumerable.Range(0, 25).Select(i => (IReadOnlyList<object?>)
        [
            $"k{i}", i % 5 == 0 ? null : (long)i * 1_000_000_000_000L, i % 7 == 0 ? null : i + 0.25, i % 3 == 0 ? null : i % 2 == 0,
            i % 4 == 0 ? null : $"t,\"{i}\"",
        ]).ToList();
        await using (var writer = await ParquetTableWriter.CreateAsync(path, Columns, new ParquetTableOptions { RowGroupRows = 10 }))
        {
            foreach (var row in rows)
            {
                await writer.AppendAsync(row);
            }
            await writer.CompleteAsync(new Dictionary<string, string> { ["featureplatform.job"] = "j", ["featureplatform.input"] = """{"from":1}""" });
        }

        await using var reader = await ParquetReader.CreateAsync(path);
        Assert.Equal("j", reader.CustomMetadata["featureplatform.job"]);
        Assert.Equal(1, JsonDocument.Parse(reader.CustomMetadata["featureplatform.input"]).RootElement.GetProperty("from").GetInt64());
        Assert.Equal(3, reader.RowGroupCount); // 10 + 10 + 5
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["key", "n", "x", "flag", "text"], fields.Select(f => f.Name));
        Assert.Equal([typeof(long), typeof(double), typeof(bool)], fields[1..4].Select(f => f.ClrType));
        Assert.False(fields[0].IsNullable);
        Assert.True(fields[1].IsNullable);

        var keys = new List<string>();
        var numbers = new List<long?>();
        var doubles = new List<double?>();
        var flags = new List<bool?>();
        var texts = new List<string?>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var group = reader.OpenRowGroupReader(g);
            var count = (int)group.RowCount;
            var k = new string[count];
            await group.ReadAsync(fields[0], k);
            var n = new long?[count];
            await group.ReadAsync<long>(fields[1], n);
            var x = new double?[count];
            await group.ReadAsync<double>(fields[2], x);
            var f = new bool?[count];
            await group.ReadAsync<bool>(fields[3], f);
            var t = new string[count];
            await group.ReadAsync(fields[4], t);
            keys.AddRange(k);
            numbers.AddRange(n);
            doubles.AddRange(x);
            flags.AddRange(f);
            texts.AddRange(t);
        }
        Assert.Equal(rows.Select(r => (string)r[0]!), keys);
        Assert.Equal(rows.Select(r => (long?)r[1]), numbers);
        Assert.Equal(rows.Select(r => (double?)r[2]), doubles);
        Assert.Equal(rows.Select(r => (bool?)r[3]), flags);
        Assert.Equal(rows.Select(r => (string?)r[4]), texts);
    }

    [Fact]
    public async Task A_value_of_another_type_fails_naming_the_column_and_an_empty_table_is_readable()
    {
        var path = Path.Combine(Path.GetTempPath(), UniqueName.For("table") + ".parquet");
        await using (var writer = await ParquetTableWriter.CreateAsync(path, Columns))
        {
            var e = await Assert.ThrowsAsync<InvalidCastException>(async () => await writer.AppendAsync(["k", "not a number", null, null, null]));
            Assert.Contains("'n'", e.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<InvalidCastException>(async () => await writer.AppendAsync([null, null, null, null, null]));
            await writer.CompleteAsync();
        }
        await using var reader = await ParquetReader.CreateAsync(path);
        Assert.Equal(0, reader.RowGroups.Sum(g => g.RowCount));
        Assert.Equal(5, reader.Schema.GetDataFields().Length);
    }

    [Fact]
    public void Json_values_convert_by_their_kind()
    {
        using var doc = JsonDocument.Parse("""{"i": 3, "d": 2.5, "b": true, "s": "x", "o": {"a": 1}, "n": null}""");
        var r = doc.RootElement;
        Assert.Equal(3L, new TableColumn("i", ColumnType.Int64).Convert(r.GetProperty("i")));
        Assert.Equal(2.5, new TableColumn("d", ColumnType.Double).Convert(r.GetProperty("d")));
        Assert.Equal(3.0, new TableColumn("d", ColumnType.Double).Convert(r.GetProperty("i")));
        Assert.Equal(true, new TableColumn("b", ColumnType.Bool).Convert(r.GetProperty("b")));
        Assert.Equal("x", new TableColumn("s", ColumnType.String).Convert(r.GetProperty("s")));
        Assert.Equal("""{"a": 1}""", new TableColumn("o", ColumnType.String).Convert(r.GetProperty("o")));
        Assert.Null(new TableColumn("n", ColumnType.Int64).Convert(r.GetProperty("n")));
        Assert.Throws<InvalidCastException>(() => new TableColumn("i", ColumnType.Int64).Convert(r.GetProperty("d")));
    }
}
