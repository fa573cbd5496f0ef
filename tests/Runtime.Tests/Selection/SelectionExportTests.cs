using FeaturePlatform.Runtime.Exports;
using FeaturePlatform.Runtime.Selection;
using FeaturePlatform.Testing.Infrastructure;
using Parquet;

namespace FeaturePlatform.Runtime.Tests.Selection;

/// <summary>
/// Selection exports go through the shared table writers (<see cref="TableFiles"/>): the Parquet file types each column
/// by what it holds (double, boolean, timestamp, string; a value of another kind is null), across row groups; the CSV
/// keeps every value as stored. Read back with Parquet.Net's reader (Debian ships no Python Parquet reader).
/// </summary>
public sealed class SelectionExportTests
{
    private static readonly string[] Columns = ["amount", "vip", "seen", "country", "mixed"];
    private static readonly ValueKind[] Types = [ValueKind.Number, ValueKind.Boolean, ValueKind.Timestamp, ValueKind.String, ValueKind.String];
    private const long T0 = 1_767_225_600_000;

    [Fact]
    public async Task Parquet_columns_are_typed_and_read_back_as_selected()
    {
        var rows = Rows(SelectionExport.RowGroupSize + 7).ToList(); // two row groups
        var path = Path.Combine(Path.GetTempPath(), UniqueName.For("selection") + ".parquet");
        try
        {
            long progress = 0;
            var written = await SelectionExport.WriteAsync(ExportFormat.Parquet, path, Columns, Types, Async(rows), n => progress = n, CancellationToken.None);
            Assert.Equal(rows.Count, written);
            Assert.Equal(rows.Count, progress);

            await using var reader = await ParquetReader.CreateAsync(path);
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["key", "updated", .. Columns], fields.Select(f => f.Name));
            Assert.Equal([typeof(DateTime), typeof(double), typeof(bool), typeof(DateTime)], fields[1..5].Select(f => f.ClrType));
            Assert.False(fields[0].IsNullable);
            Assert.True(fields[2].IsNullable);
            Assert.Equal(2, reader.RowGroupCount);
            var keys = new List<string>();
            var updated = new List<DateTime>();
            var amounts = new List<double?>();
            var vips = new List<bool?>();
            var seen = new List<DateTime?>();
            var countries = new List<string?>();
            var mixed = new List<string?>();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                var count = (int)group.RowCount;
                var k = new string[count];
                await group.ReadAsync(fields[0], k);
                var u = new DateTime[count];
                await group.ReadAsync<DateTime>(fields[1], u);
                var a = new double?[count];
                await group.ReadAsync<double>(fields[2], a);
                var v = new bool?[count];
                await group.ReadAsync<bool>(fields[3], v);
                var s = new DateTime?[count];
                await group.ReadAsync<DateTime>(fields[4], s);
                var c = new string[count];
                await group.ReadAsync(fields[5], c);
                var m = new string[count];
                await group.ReadAsync(fields[6], m);
                keys.AddRange(k);
                updated.AddRange(u);
                amounts.AddRange(a);
                vips.AddRange(v);
                seen.AddRange(s);
                countries.AddRange(c);
                mixed.AddRange(m);
            }
            Assert.Equal(rows.Select(r => r.Key), keys);
            Assert.Equal(rows.Select(r => DateTime.UnixEpoch.AddMilliseconds(r.Updated)), updated);
            Assert.Equal(rows.Select(r => r.Values[0].Kind == ValueKind.Number ? r.Values[0].Number : (double?)null), amounts);
            Assert.Equal(rows.Select(r => r.Values[1].Kind == ValueKind.Boolean ? r.Values[1].Number != 0 : (bool?)null), vips);
            Assert.Equal(rows.Select(r => r.Values[2].Kind == ValueKind.Timestamp ? DateTime.UnixEpoch.AddMilliseconds(r.Values[2].Number) : (DateTime?)null), seen);
            Assert.Equal(rows.Select(r => r.Values[3].Display()), countries);
            Assert.Equal(rows.Select(r => r.Values[4].Display()), mixed);
            Assert.Contains(null, amounts); // a number column with nulls and a string in it
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Csv_keeps_every_value_as_stored()
    {
        var rows = Rows(50).ToList();
        var path = Path.Combine(Path.GetTempPath(), UniqueName.For("selection") + ".csv");
        try
        {
            Assert.Equal(50, await SelectionExport.WriteAsync(ExportFormat.Csv, path, Columns, Types, Async(rows), _ => { }, CancellationToken.None));
            var lines = (await File.ReadAllTextAsync(path)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("key,updated,amount,vip,seen,country,mixed", lines[0]);
            Assert.Equal(51, lines.Length);
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                var expected = string.Join(',', new[] { r.Key, DateTimeOffset.FromUnixTimeMilliseconds(r.Updated).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture) }
                    .Concat(r.Values.Select(v => v.Display() is { } text ? (text.Contains(',') ? $"\"{text}\"" : text) : "")));
                Assert.Equal(expected, lines[i + 1]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IEnumerable<SelectedRow> Rows(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new SelectedRow($"u{i:D6}", T0 + i, [
                i % 11 == 0 ? CellValue.Null : i % 13 == 0 ? CellValue.FromString("n/a") : new CellValue(ValueKind.Number, i * 0.5, null),
                i % 7 == 0 ? CellValue.Null : new CellValue(ValueKind.Boolean, i % 2, null),
                i % 5 == 0 ? CellValue.Null : CellValue.FromString(DateTimeOffset.FromUnixTimeMilliseconds(T0 + i * 1000L).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)),
                i % 3 == 0 ? CellValue.Null : CellValue.FromString(i % 2 == 0 ? "CN" : "S,G"),
                i % 2 == 0 ? new CellValue(ValueKind.Number, i, null) : CellValue.FromString("x" + i),
            ]);
        }
    }

#pragma warning disable CS1998 // a synchronous source behind the exporter's async enumerable
    private static async IAsyncEnumerable<SelectedRow> Async(IEnumerable<SelectedRow> rows)
    {
        foreach (var row in rows)
        {
            yield return row;
        }
    }
#pragma warning restore CS1998
}
