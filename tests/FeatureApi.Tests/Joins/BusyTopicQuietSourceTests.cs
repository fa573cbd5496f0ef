using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Testing.Kafka;
using Xunit.Abstractions;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Joins;

/// <summary>
/// Busy topic + quiet source in one ingest group (Kafka mock): while one source's topic gets a continuous stream,
/// the other source, caught up and idle, must not be held back: GET /api/watermarks/{quiet} passes a moment T
/// within MaxDelay + a margin after T.
/// </summary>
[Collection(FeatureApiKafkaCollection.Name)]
public sealed class BusyTopicQuietSourceTests(KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_quiet_source_watermark_advances_while_another_topic_in_the_group_is_busy()
    {
        string[] sources = ["busy_src", "quiet_src"];
        await using var platform = new JoinPlatform(sources, [], JoinKafka.Settings(kafka, 2, "busy-quiet"));
        using var client = platform.CreateClient(PlatformFactory.Author);
        var traffic = new JoinTraffic(client, sources);
        // The quiet source gets one event, then nothing; it is stored and its watermark exists before the busy stream starts.
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await traffic.PostNowAsync("q", 1, start);
        await Poll.UntilAsync(async () => await FutureEventTimeTests.WatermarkAsync(client, sources[1]) is not null, TimeSpan.FromSeconds(60), () => "the quiet source's first watermark");

        using var stop = new CancellationTokenSource();
        var busy = Task.Run(() => StreamAsync(client, sources[0], stop.Token));
        try
        {
            // The stream runs for a second before the moment T the quiet source must pass.
            var running = Stopwatch.StartNew();
            await Poll.UntilAsync(() => Task.FromResult(running.Elapsed > TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(5), () => "one second of busy traffic");
            var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var limit = JoinPlatform.MaxDelay + Margin;
            long? last = null;
            await Poll.UntilAsync(async () => (last = await FutureEventTimeTests.WatermarkAsync(client, sources[1])) >= t, limit,
                () => $"quiet_src's watermark to pass T={t} within MaxDelay {JoinPlatform.MaxDelay.TotalSeconds} s + {Margin.TotalSeconds} s while busy_src streams; it reads {last} ({t - last} ms behind T)");
            output.WriteLine($"quiet_src passed T {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - t} ms after T");
        }
        finally
        {
            await stop.CancelAsync();
            var posted = await busy;
            output.WriteLine($"busy_src: {posted} events posted");
        }
    }

    /// <summary>Posts batches of 50 events to <paramref name="source"/> back to back until cancelled; returns how many.</summary>
    private static async Task<long> StreamAsync(HttpClient client, string source, CancellationToken cancellationToken)
    {
        long count = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var body = JsonSerializer.Serialize(Enumerable.Range(0, 50).Select(i => new { id = $"busy-{count + i}", pair = $"k{(count + i) % 97}", t = now }));
            try
            {
                using var response = await client.PostAsync($"/api/sources/{source}/messages", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
                response.EnsureSuccessStatusCode();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            count += 50;
        }
        return count;
    }
}
