using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.Outputs;

public sealed class BacktestFileOutputTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), UniqueName.For("backtest"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Csv_has_the_header_and_one_row_per_result_and_json_lines_carry_every_value()
    {
        var results = OutputTestData.Many("stats", 5, keys: 2);
        await using (var output = new BacktestFileOutput(directory, ["n", "total", "flag", "label"]))
        {
            await output.WriteAsync(results, CancellationToken.None);
            await output.CompleteAsync();
            Assert.Equal(5, output.Rows);
        }

        var csv = File.ReadAllText(Path.Combine(directory, BacktestFileOutput.CsvFileName), Encoding.UTF8);
        Assert.Equal(
            "job,key,event_time,event_id,n,total,flag,label\r\n" +
            $"stats,u0,{OutputTestData.T0},o0,0,0,true,\r\n" +
            $"stats,u1,{OutputTestData.T0 + 1000},o1,1,1.5,false,l1\r\n" +
            $"stats,u0,{OutputTestData.T0 + 2000},o2,2,3,true,l2\r\n" +
            $"stats,u1,{OutputTestData.T0 + 3000},o3,3,4.5,false,\r\n" +
            $"stats,u0,{OutputTestData.T0 + 4000},o4,4,6,true,l4\r\n",
            csv);

        var lines = File.ReadAllLines(Path.Combine(directory, BacktestFileOutput.JsonLinesFileName));
        Assert.Equal(5, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var root = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal(results[i].ResultId, root.GetProperty("result_id").GetString());
            Assert.Equal(results[i].EventTime, root.GetProperty("event_time").GetInt64());
            Assert.Equal(i, root.GetProperty("values").GetProperty("n").GetInt64());
            Assert.Equal(i % 3 == 0 ? JsonValueKind.Null : JsonValueKind.String, root.GetProperty("values").GetProperty("label").ValueKind);
        }
    }

    [Fact]
    public async Task Fields_with_commas_quotes_newlines_and_unicode_are_quoted_per_RFC_4180()
    {
        string?[] labels = ["a,b", "say \"hi\"", "line1\nline2", "cr\rlf\r\n", "Zürich 東京 🚀", "", null, " plain "];
        var results = labels.Select((l, i) => OutputTestData.Result("j", i == 0 ? "key,with,commas" : "k\"" + i, OutputTestData.T0 + i, "e" + i, ("label", l), ("x", (double?)(i + 0.25)))).ToList();
        await using (var output = new BacktestFileOutput(directory, ["label", "x", "missing"]))
        {
            await output.WriteAsync(results, CancellationToken.None);
        } // dispose completes

        var bytes = File.ReadAllBytes(Path.Combine(directory, BacktestFileOutput.CsvFileName));
        Assert.False(bytes is [0xEF, 0xBB, 0xBF, ..], "no BOM");
        var records = ParseCsv(Encoding.UTF8.GetString(bytes));
        Assert.Equal(["job", "key", "event_time", "event_id", "label", "x", "missing"], records[0]);
        Assert.Equal(labels.Length, records.Count - 1);
        for (var i = 0; i < labels.Length; i++)
        {
            var r = records[i + 1];
            Assert.Equal(results[i].Key, r[1]);
            Assert.Equal(labels[i] ?? "", r[4]);
            Assert.Equal((i + 0.25).ToString("R", System.Globalization.CultureInfo.InvariantCulture), r[5]);
            Assert.Equal("", r[6]);
        }
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"key,with,commas\"", text, StringComparison.Ordinal);
        Assert.Contains("\"say \"\"hi\"\"\"", text, StringComparison.Ordinal);
        Assert.Contains(",Zürich 東京 🚀,", text, StringComparison.Ordinal); // unicode needs no quoting
        Assert.Contains(", plain ,", text, StringComparison.Ordinal);

        var json = File.ReadAllLines(Path.Combine(directory, BacktestFileOutput.JsonLinesFileName), Encoding.UTF8);
        Assert.Equal(labels.Length, json.Length); // newlines inside values are escaped in JSON
        Assert.Equal("Zürich 東京 🚀", JsonDocument.Parse(json[4]).RootElement.GetProperty("values").GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(json[6]).RootElement.GetProperty("values").GetProperty("label").ValueKind);
    }

    [Fact]
    public async Task Concurrent_writes_keep_each_batch_whole_and_lose_nothing()
    {
        var batches = Enumerable.Range(0, 40).Select(b => OutputTestData.Many("c", 25, keys: 5, startAt: b * 25)).ToList();
        await using (var output = new BacktestFileOutput(directory, ["n", "label"]))
        {
            await Task.WhenAll(batches.Select(b => Task.Run(async () => await output.WriteAsync(b, CancellationToken.None))));
            await output.CompleteAsync();
            await output.CompleteAsync(); // idempotent
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await output.WriteAsync(batches[0], CancellationToken.None));
        }

        var records = ParseCsv(File.ReadAllText(Path.Combine(directory, BacktestFileOutput.CsvFileName)));
        var ns = records.Skip(1).Select(r => int.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, 1000), ns.Order());
        // Each batch of 25 consecutive numbers is contiguous.
        for (var i = 0; i < ns.Count; i += 25)
        {
            Assert.Equal(Enumerable.Range(ns[i], 25), ns.Skip(i).Take(25));
        }
        var json = File.ReadAllLines(Path.Combine(directory, BacktestFileOutput.JsonLinesFileName));
        Assert.Equal(ns, json.Select(l => (int)JsonDocument.Parse(l).RootElement.GetProperty("values").GetProperty("n").GetInt64()));
    }

    [Fact]
    public async Task Sample_runs_carry_each_row_label_in_a_label_column()
    {
        var dir = Path.Combine(Path.GetTempPath(), FeaturePlatform.Testing.Infrastructure.UniqueName.For("labels"));
        var labelled = OutputTestData.Result("j", "k1", 1, "sample:2", ("x", 1L));
        labelled = labelled with { Trigger = labelled.Trigger with { Headers = new Dictionary<string, string> { [FeaturePlatform.Runtime.Triggers.Samples.SampleTableTrigger.LabelHeader] = "defaulted" } } };
        var unlabelled = OutputTestData.Result("j", "k2", 2, "sample:3", ("x", 2L));
        await using (var output = new BacktestFileOutput(dir, ["x"], includeLabel: true))
        {
            await output.WriteAsync([labelled, unlabelled], CancellationToken.None);
            await output.CompleteAsync();
        }
        var lines = await File.ReadAllLinesAsync(Path.Combine(dir, BacktestFileOutput.CsvFileName));
        Assert.Equal(["job,key,event_time,event_id,label,x", "j,k1,1,sample:2,defaulted,1", "j,k2,2,sample:3,,2"], lines);
    }

    [Fact]
    public async Task Non_finite_doubles_are_named_in_JSON_and_CSV()
    {
        await using (var output = new BacktestFileOutput(directory, ["x"]))
        {
            await output.WriteAsync([OutputTestData.Result("j", "k", 1, "a", ("x", double.NaN)), OutputTestData.Result("j", "k", 2, "b", ("x", double.NegativeInfinity))], CancellationToken.None);
        }
        var records = ParseCsv(File.ReadAllText(Path.Combine(directory, BacktestFileOutput.CsvFileName)));
        Assert.Equal(["NaN", "-Infinity"], records.Skip(1).Select(r => r[4]));
        var json = File.ReadAllLines(Path.Combine(directory, BacktestFileOutput.JsonLinesFileName));
        Assert.Equal(["NaN", "-Infinity"], json.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("values").GetProperty("x").GetString()));
    }

    /// <summary>A strict RFC 4180 reader (CRLF record ends; quoted fields may hold anything) — independent of the writer.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        field.Append(text[i++]);
                    }
                }
            }
            while (i < text.Length && text[i] != ',' && text[i] != '\r')
            {
                Assert.NotEqual('"', text[i]);
                Assert.NotEqual('\n', text[i]);
                field.Append(text[i++]);
            }
            fields.Add(field.ToString());
            field.Clear();
            if (text[i] == ',')
            {
                i++;
                continue;
            }
            Assert.Equal("\r\n", text.Substring(i, 2));
            i += 2;
            records.Add([.. fields]);
            fields.Clear();
        }
        Assert.Empty(fields);
        return records;
    }
}
