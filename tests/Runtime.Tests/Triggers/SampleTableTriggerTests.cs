using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Triggers.Samples;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests.Triggers;

/// <summary>The sample-table trigger's events: the entity as of each row's time, labels carried, bad rows reported.</summary>
public sealed class SampleTableTriggerTests
{
    private const long T1 = 1_700_000_000_000;

    [Fact]
    public async Task Each_csv_row_becomes_the_entity_as_of_its_time_with_its_label_and_a_line_based_id()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        await StoredEvents.StoreAsync(harness, [StoredEvents.Order("u1", T1, 10, "a"), StoredEvents.Order("u1", T1 + 1000, 20, "b")]);
        var path = Write("sample.csv", $"""
            user,at,outcome
            u1,{T1 + 500},"good, paid"
            u1,{T1 + 1000},bad

            u2,{T1 + 1000},
            """);

        var trigger = await SampleTableTrigger.OpenAsync(harness.Events, "orders", path, new SampleTableOptions { KeyColumn = "user", TimeColumn = "at", LabelColumn = "outcome", BatchSize = 2 });
        var batches = await trigger.ReadAsync(CancellationToken.None).ToListAsync();
        var events = batches.SelectMany(b => b.Events).ToList();

        Assert.Equal(4, trigger.EstimatedTotal); // line count less the header (the blank line counts: an upper bound)
        Assert.Equal([2, 1], batches.Select(b => b.Events.Count));
        Assert.Equal(["sample:2", "sample:3", "sample:5"], events.Select(e => e.EventId));
        Assert.Equal([T1 + 500, T1 + 1000, T1 + 1000], events.Select(e => e.EventTime));
        Assert.All(events, e => Assert.Equal("orders", e.Source));
        Assert.Contains("\"amount\":10", Encoding.UTF8.GetString(events[0].After!), StringComparison.Ordinal); // as of T1+500: order a
        Assert.Contains("\"amount\":20", Encoding.UTF8.GetString(events[1].After!), StringComparison.Ordinal); // at T1+1000: order b
        Assert.Equal(EventOperation.SnapshotRead, events[0].Operation);
        Assert.Null(events[2].After); // u2 has no state: no data
        Assert.Equal(EventOperation.Delete, events[2].Operation);
        Assert.Equal("good, paid", events[0].Headers[SampleTableTrigger.LabelHeader]);
        Assert.Equal("bad", events[1].Headers[SampleTableTrigger.LabelHeader]);
        Assert.Equal("", events[2].Headers[SampleTableTrigger.LabelHeader]);
        Assert.Equal("3", events[1].Headers[SampleTableTrigger.LineHeader]);
        Assert.Empty(trigger.BadRows);
    }

    [Fact]
    public async Task Json_lines_take_iso_or_epoch_times_and_bad_rows_are_reported_by_line_without_stopping()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var iso = DateTimeOffset.FromUnixTimeMilliseconds(T1).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture);
        var path = Write("sample.jsonl", $$"""
            {"key":"u1","time":"{{iso}}","label":1}
            {"key":"u2","time":"yesterday"}
            not json
            {"key":42,"time":{{T1 + 7}}}
            {"time":{{T1}}}
            ["u1", 1]
            {"key":"u3","time":"2023-11-14T22:13:20"}
            """);

        var trigger = await SampleTableTrigger.OpenAsync(harness.Events, "orders", path);
        var events = (await trigger.ReadAsync(CancellationToken.None).ToListAsync()).SelectMany(b => b.Events).ToList();

        Assert.Equal(["u1", "42", "u3"], events.Select(e => e.EntityKey));
        Assert.Equal([T1, T1 + 7, T1], events.Select(e => e.EventTime));
        Assert.Equal("1", events[0].Headers[SampleTableTrigger.LabelHeader]);
        Assert.False(events[1].Headers.ContainsKey(SampleTableTrigger.LabelHeader));
        Assert.Equal([2L, 3, 5, 6], trigger.BadRows.Select(r => r.Line));
        Assert.Equal(4, trigger.BadRowCount);
        Assert.Contains("yesterday", trigger.BadRows[0].Reason, StringComparison.Ordinal);
        Assert.Contains("not JSON", trigger.BadRows[1].Reason, StringComparison.Ordinal);
        Assert.Contains("key", trigger.BadRows[2].Reason, StringComparison.Ordinal);
        Assert.Contains("not a JSON object", trigger.BadRows[3].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_csv_without_the_time_column_is_refused_with_the_columns_it_has()
    {
        await using var harness = await RuntimeHarness.StartAsync(null, RuntimeHarness.Orders);
        var path = Write("sample.csv", "key,when\nu1,1\n");

        var trigger = await SampleTableTrigger.OpenAsync(harness.Events, "orders", path);
        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await trigger.ReadAsync(CancellationToken.None).ToListAsync());

        Assert.Contains("'time'", error.Message, StringComparison.Ordinal);
        Assert.Contains("key, when", error.Message, StringComparison.Ordinal);
        Assert.Contains(":1:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b,c", new[] { "a", "b", "c" })]
    [InlineData("\"a,b\",\"say \"\"hi\"\"\",", new[] { "a,b", "say \"hi\"", "" })]
    [InlineData("", new[] { "" })]
    public void Csv_fields_follow_rfc_4180_quoting(string line, string[] fields) =>
        Assert.Equal(fields, SampleTableReader.SplitCsv(line));

    [Fact]
    public void An_unterminated_quote_is_not_a_row() => Assert.Null(SampleTableReader.SplitCsv("\"a,b"));

    internal static string Write(string name, string content)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runtime-tests", UniqueName.For("sample"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
