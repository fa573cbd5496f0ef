using System.Globalization;
using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Runtime.Tests;

/// <summary>Events written straight into the event center (no bus), and jobs loaded into a registry.</summary>
internal static class StoredEvents
{
    private static long offset;

    public static ChangeEvent Order(string user, long time, double amount, string id, bool poison = false) =>
        Event("orders", user, time, id, string.Create(CultureInfo.InvariantCulture,
            $$"""{"oid":"{{id}}","user_id":"{{user}}","t":{{time}},"amount":{{amount}}{{(poison ? ",\"poison\":true" : "")}}}"""));

    public static ChangeEvent Profile(string user, long time, string tier, string id) =>
        Event("profiles", user, time, id, $$"""{"pid":"{{id}}","user_id":"{{user}}","t":{{time}},"tier":"{{tier}}"}""");

    /// <summary>Stores the events and moves both sources' event-time watermarks to the last of them or <paramref name="watermark"/> (as ingestion would).</summary>
    public static async Task StoreAsync(RuntimeHarness harness, IReadOnlyList<ChangeEvent> events, long? watermark = null)
    {
        foreach (var chunk in events.Chunk(1000))
        {
            await harness.Events.WriteAsync(chunk);
        }
        var max = Math.Max(watermark ?? long.MinValue, events.Max(e => e.EventTime));
        await harness.Watermarks.AdvanceEventTimeAsync("orders", max);
        await harness.Watermarks.AdvanceEventTimeAsync("profiles", max);
        harness.Signal.Pulse();
    }

    /// <summary>Writes the job modules into one fresh directory and loads it as a registry.</summary>
    public static async Task<JobRegistry> LoadJobsAsync(PythonHostFixture python, IFeatureDataSource dataSource, params (string Name, string Source)[] modules)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runtime-tests", UniqueName.For("jobs"));
        Directory.CreateDirectory(dir);
        foreach (var (name, source) in modules)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".py"), source);
        }
        var registry = await JobRegistry.LoadAsync(python.Host, dir, dataSource);
        Assert.Empty(registry.LoadErrors);
        return registry;
    }

    private static ChangeEvent Event(string source, string key, long time, string id, string json) => new()
    {
        Source = source,
        EntityKey = key,
        Operation = EventOperation.Insert,
        EventTime = time,
        IngestTime = time,
        Position = new SourcePosition(source, 0, Interlocked.Increment(ref offset)),
        EventId = id,
        After = Encoding.UTF8.GetBytes(json),
    };
}
