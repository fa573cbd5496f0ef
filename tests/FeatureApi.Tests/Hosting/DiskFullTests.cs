using System.Net;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>
/// The disk fills under the running platform: posts are answered 503 with Retry-After and a cause, readiness turns
/// Unhealthy, the log says "disk full" (once per episode, not per retry); when space returns — no restart — readiness
/// recovers by itself, posts succeed again, and every message acknowledged before, during and after is in the event
/// center. Two ways to fill a disk: the stores' and bus's size caps (SQLite max_page_count: SQLITE_FULL as on a full
/// disk), and — where this process may mount — a small tmpfs holding the whole data folder.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const int MessagesPerPost = 10;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly string Pad = new('x', 8 * 1024);

    [Theory]
    [InlineData("max_page_count")]
    [InlineData("tmpfs")]
    public async Task A_full_disk_gives_503s_and_unhealthy_readiness_then_recovers_without_restart_keeping_every_acknowledged_message(string disk)
    {
        var why = "";
        using var tmpfs = disk == "tmpfs" ? TmpfsDisk.TryMount(256L * 1024 * 1024, out why) : null;
        if (disk == "tmpfs" && tmpfs is null)
        {
            output.WriteLine($"No tmpfs here ({why}); the max_page_count case covers the platform path.");
            return;
        }
        await using var factory = new DiskFullFactory(tmpfs?.Path);
        using var client = factory.CreateClient(PlatformFactory.Author);
        await PollAsync(client, "/health/ready", HttpStatusCode.OK);
        var acknowledged = new List<string>();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await PostAsync(client, acknowledged, "before"));
        }

        // The disk fills: a few MiB are left, then posts (and ingestion) use them up.
        FillDisk(factory, tmpfs);
        HttpResponseMessage? refused = null;
        var deadline = DateTime.UtcNow + Deadline;
        while (refused is null && DateTime.UtcNow < deadline)
        {
            var response = await PostRawAsync(client, acknowledged, "during");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }
        Assert.NotNull(refused);
        using (refused)
        {
            var body = await TestHttp.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "the event store's disk is full");
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
            var text = body.GetRawText();
            output.WriteLine($"503 after {acknowledged.Count} acknowledged messages, Retry-After {refused.Headers.RetryAfter}: {text}");
            foreach (var leak in new[] { ".db", "/tmp", "Exception", "Sqlite", "   at " })
            {
                Assert.DoesNotContain(leak, text, StringComparison.OrdinalIgnoreCase);
            }
        }
        await PollAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
        var monitor = factory.Services.GetService(typeof(StorageFaultMonitor)) as StorageFaultMonitor;
        // An episode was recorded; its fault may already be over (a nearly full disk where the probe's small write fits).
        Assert.True(monitor!.Episodes > 0, "the storage fault monitor recorded no episode");
        // A few more posts while full: refused (or, if one still fits, acknowledged and kept).
        for (var i = 0; i < 3; i++)
        {
            var status = await PostAsync(client, acknowledged, "still-full");
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"got {status}");
        }
        var diskFullErrors = factory.Logs.Entries.Where(e => e.Level == LogLevel.Error && e.Category == typeof(StorageFaultMonitor).FullName && e.Message.Contains("disk full writing", StringComparison.Ordinal)).ToList();
        var failedWrites = monitor.Faults.Sum(f => f.FailedWrites);
        output.WriteLine($"log: {diskFullErrors.Count} disk-full errors for {failedWrites} failed writes; first: {diskFullErrors.FirstOrDefault().Message}");
        Assert.NotEmpty(diskFullErrors);
        // Once per database that filled up (hot, cold, bus); flaps of a nearly full disk are logged at Debug.
        var perDatabase = diskFullErrors.GroupBy(e => System.Text.RegularExpressions.Regex.Match(e.Message, @"disk full writing (\S+?):").Groups[1].Value).ToList();
        Assert.All(perDatabase, g => Assert.True(g.Count() == 1, $"{g.Key}: logged {g.Count()} times: {string.Join(" | ", g.Select(e => e.Message))}"));
        Assert.DoesNotContain(factory.Logs.Entries, e => e.Message.Contains("nested transactions", StringComparison.Ordinal) || e.Message.Contains("no transaction is active", StringComparison.Ordinal));

        // Space returns: no restart, no request needed for readiness to recover.
        FreeDisk(factory, tmpfs);
        await PollAsync(client, "/health/ready", HttpStatusCode.OK);
        Assert.Contains(factory.Logs.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("succeed again", StringComparison.Ordinal));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await PostAsync(client, acknowledged, "after"));
        }

        output.WriteLine($"checking {acknowledged.Count} acknowledged messages");
        foreach (var id in acknowledged)
        {
            await PollAsync(client, $"/api/events/orders/by-id/{id}", HttpStatusCode.OK);
        }
    }

    private static void FillDisk(DiskFullFactory factory, TmpfsDisk? tmpfs)
    {
        if (tmpfs is not null)
        {
            tmpfs.Resize(tmpfs.UsedBytes + 3L * 1024 * 1024);
            return;
        }
        foreach (var store in factory.Stores)
        {
            store.SetMaxDatabaseBytes(SizeOf(Path.Combine(factory.DataDirectory, store == factory.Stores[0] ? "hot" : "cold", "widetables.db")) + 1024 * 1024);
        }
        factory.Bus.SetMaxDatabaseBytes(SizeOf(Path.Combine(factory.DataDirectory, "bus", "bus.db")) + 2L * 1024 * 1024);
    }

    private static void FreeDisk(DiskFullFactory factory, TmpfsDisk? tmpfs)
    {
        if (tmpfs is not null)
        {
            tmpfs.Resize(256L * 1024 * 1024);
            return;
        }
        foreach (var store in factory.Stores)
        {
            store.SetMaxDatabaseBytes(null);
        }
        factory.Bus.SetMaxDatabaseBytes(null);
    }

    private static long SizeOf(string database) =>
        new FileInfo(database).Length + (File.Exists(database + "-wal") ? new FileInfo(database + "-wal").Length : 0);

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, List<string> acknowledged, string phase)
    {
        using var response = await PostRawAsync(client, acknowledged, phase);
        return response.StatusCode;
    }

    /// <summary>Posts one batch; its ids join <paramref name="acknowledged"/> only if the answer is 200.</summary>
    private static async Task<HttpResponseMessage> PostRawAsync(HttpClient client, List<string> acknowledged, string phase)
    {
        var ids = Enumerable.Range(0, MessagesPerPost).Select(_ => $"{phase}-{Guid.NewGuid():N}").ToList();
        var body = "[" + string.Join(',', ids.Select(id => $$"""{"order_id":"{{id}}","user_id":"u-{{id}}","created_at":1767225600000,"amount":1,"pad":"{{Pad}}"}""")) + "]";
        var response = await client.PostAsync("/api/sources/orders/messages", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var answered = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()!);
            Assert.Equal(ids, answered);
            acknowledged.AddRange(ids);
        }
        return response;
    }

    private static async Task PollAsync(HttpClient client, string path, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode == wanted)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} still answers {(int)response.StatusCode} (wanted {(int)wanted}): {await response.Content.ReadAsStringAsync()}");
            }
            await Task.Delay(50);
        }
    }
}
