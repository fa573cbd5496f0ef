using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>An event as it was actually posted: its event time, when its POST started and was answered, and where it landed.</summary>
public sealed record PostedEvent(string Pair, int Side, long EventTime, long PostedAt, long AnsweredAt, string Topic, int Partition, long Offset);

/// <summary>Posts planned events over HTTP at their planned times (each POST answers after durable delivery to the bus).</summary>
public sealed class JoinTraffic(HttpClient client, IReadOnlyList<string> sources)
{
    private readonly List<PostedEvent> posted = [];

    /// <summary>Every event posted so far.</summary>
    public IReadOnlyList<PostedEvent> Posted
    {
        get
        {
            lock (posted)
            {
                return [.. posted];
            }
        }
    }

    /// <summary>Posts every event of <paramref name="pairs"/> at its planned offset from now; returns when all are answered.</summary>
    public async Task RunAsync(IReadOnlyList<PlannedPair> pairs)
    {
        var clock = Stopwatch.StartNew();
        var posts = pairs.SelectMany(p => new[] { p.First, p.Second })
            .GroupBy(e => e.Batch is { } b ? $"batch-{b}-{e.Side}" : $"single-{e.Pair}-{e.Side}")
            .Select(g => PostAtAsync(clock, g.ToList()))
            .ToList();
        await Task.WhenAll(posts);
    }

    /// <summary>Posts one event now with the given event time (a warm-up or a single probe).</summary>
    public Task<PostedEvent> PostNowAsync(string pair, int side, long eventTime) =>
        PostOneAsync(pair, side, eventTime);

    private async Task PostAtAsync(Stopwatch clock, List<PlannedEvent> events)
    {
        // Scheduling, not synchronisation: the post waits for its planned moment on the traffic's time line.
        var wait = events[0].PostAt - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await PostAsync(events[0].Side, events.Select(e => (e.Pair, now - (long)e.Lag.TotalMilliseconds)).ToList());
    }

    private async Task<PostedEvent> PostOneAsync(string pair, int side, long eventTime) =>
        (await PostAsync(side, [(pair, eventTime)]))[0];

    private async Task<List<PostedEvent>> PostAsync(int side, List<(string Pair, long Time)> events)
    {
        var prefix = side == 0 ? "a" : "b";
        var body = JsonSerializer.Serialize(events.Select(e => new { id = $"{prefix}-{e.Pair}", pair = e.Pair, t = e.Time }));
        var postedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var response = await client.PostAsync($"/api/sources/{sources[side]}/messages", new StringContent(body, Encoding.UTF8, "application/json"));
        var answeredAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"POST to {sources[side]} answered {(int)response.StatusCode}: {text}");
        }
        var forwarded = JsonDocument.Parse(text).RootElement.GetProperty("events");
        var result = new List<PostedEvent>();
        for (var i = 0; i < events.Count; i++)
        {
            var f = forwarded[i];
            result.Add(new PostedEvent(events[i].Pair, side, events[i].Time, postedAt, answeredAt,
                f.GetProperty("topic").GetString()!, f.GetProperty("partition").GetInt32(), f.GetProperty("offset").GetInt64()));
        }
        lock (posted)
        {
            posted.AddRange(result);
        }
        return result;
    }
}
