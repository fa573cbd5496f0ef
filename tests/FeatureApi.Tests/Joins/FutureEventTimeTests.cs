using System.Net;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// An event time in year 9999 (a client's bad time field) is dead-lettered with a reason, not stored, and does not pin
/// the source's watermark: a normal event posted afterwards still moves it, and it never jumps past now +
/// EventCenter:Ingest:MaxEventTimeAhead (default 10 min).
/// </summary>
public sealed class FutureEventTimeTests
{
    private const long Year9999 = 253_402_300_799_000;
    private static readonly TimeSpan MaxEventTimeAhead = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_year_9999_event_is_dead_lettered_and_does_not_pin_the_watermark()
    {
        string[] sources = ["future_a", "future_b"];
        await using var platform = new JoinPlatform(sources, []);
        using var client = platform.CreateClient(PlatformFactory.Author);

        var body = JsonSerializer.Serialize(new { id = "a-far", pair = "far", t = Year9999 });
        using var post = await client.PostAsync($"/api/sources/{sources[0]}/messages", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await post.Content.ReadAsStringAsync();
        // Refused at the door with a 400 naming the field (a message that reaches the bus anyway is dead-lettered by
        // ingestion: WatermarkSemanticsTests).
        Assert.True(post.StatusCode == HttpStatusCode.BadRequest, $"POST answered {(int)post.StatusCode}: {answer}");
        Assert.Contains("ahead of the server's clock", answer, StringComparison.Ordinal);
        Assert.Contains("'t'", answer, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/events/{sources[0]}/by-id/a-far")).StatusCode);

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await new JoinTraffic(client, sources).PostNowAsync("near", 0, now);
        var seen = new List<long>();
        await Poll.UntilAsync(async () =>
        {
            var w = await WatermarkAsync(client, sources[0]);
            var bound = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)MaxEventTimeAhead.TotalMilliseconds;
            Assert.True(w is null || w <= bound, $"{sources[0]}'s watermark is {w} ({DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(w ?? 0, Year9999)):u}), beyond now + {MaxEventTimeAhead}: the year-9999 event pinned it");
            if (w is { } v)
            {
                seen.Add(v);
            }
            return w >= now - (long)JoinPlatform.MaxOutOfOrderness.TotalMilliseconds - (long)JoinPlatform.MaxDelay.TotalMilliseconds;
        }, TimeSpan.FromSeconds(20), () => $"{sources[0]}'s watermark to reach the normal event's time {now} less the declared bounds (seen: {string.Join(", ", seen.TakeLast(5))})");
    }

    internal static async Task<long?> WatermarkAsync(HttpClient client, string source)
    {
        var json = JsonDocument.Parse(await client.GetStringAsync($"/api/watermarks/{source}")).RootElement;
        return json.GetProperty("eventTime").ValueKind == JsonValueKind.Number ? json.GetProperty("eventTime").GetInt64() : null;
    }
}
