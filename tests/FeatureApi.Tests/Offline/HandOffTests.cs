using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Parquet;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Offline;

/// <summary>
/// The hand-off to analysis on the host's embedded default: a backtest's results as Parquet (typed feature columns, the
/// sample table's labels, the run's lineage as file metadata) and slices of a source as of T through the API. Debian 12
/// ships no Parquet reader for Python (no python3-pyarrow or python3-fastparquet; pandas 1.5 needs one of them for
/// <c>read_parquet</c>), so the files are read back with Parquet.Net's reader and their types checked here.
/// </summary>
public sealed class HandOffTests(PlatformFactory factory) : IClassFixture<PlatformFactory>, IAsyncLifetime
{
    private const long Day = 86_400_000;

    public async Task InitializeAsync() => await factory.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(60));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_sample_backtest_downloads_as_Parquet_with_typed_features_labels_and_the_runs_lineage()
    {
        var (users, t0) = await PostOrdersAsync(1, [5.0, 7.5]);
        var user = users[0];
        using var author = factory.CreateClient(PlatformFactory.Author);
        var csv = $"key,time,label\n{user},{t0 + Day / 2},1\n{user},{t0 + 2 * Day},0\n";
        using var form = new MultipartFormDataContent
        {
            { new StringContent("order_stats_30d"), "job" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", "churn.csv" },
            { new StringContent("""{"min_amount": 6}"""), "parameters" },
        };
        var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests", form), HttpStatusCode.Accepted);
        var id = launched.GetProperty("id").GetString()!;
        var done = await WaitAsync(author, $"/api/backtests/{id}");
        Assert.Equal("Completed", done.GetProperty("state").GetString());

        using var download = await author.GetAsync($"/api/backtests/{id}/results.parquet");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/vnd.apache.parquet", download.Content.Headers.ContentType?.MediaType);
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(await download.Content.ReadAsByteArrayAsync()));
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        Assert.Equal(["job", "key", "event_time", "event_id", "label", "user_id", "order_count", "order_amount", "avg_order_amount", "user_tier", "account_age_days"],
            reader.Schema.GetDataFields().Select(f => f.Name));
        Assert.Equal(typeof(long), fields["event_time"].ClrType);
        Assert.Equal(typeof(long), fields["order_count"].ClrType);
        Assert.Equal(typeof(double), fields["order_amount"].ClrType);
        Assert.Equal(typeof(long), fields["account_age_days"].ClrType);
        Assert.NotEqual(typeof(long), fields["user_tier"].ClrType); // text
        var group = reader.OpenRowGroupReader(0);
        Assert.Equal(2, group.RowCount);
        var times = new long[2];
        await group.ReadAsync<long>(fields["event_time"], times);
        var counts = new long?[2];
        await group.ReadAsync<long>(fields["order_count"], counts);
        var amounts = new double?[2];
        await group.ReadAsync<double>(fields["order_amount"], amounts);
        var labels = new string[2];
        await group.ReadAsync(fields["label"], labels);
        var rows = times.Select((t, i) => (t, counts[i], amounts[i], labels[i])).OrderBy(r => r.t).ToList();
        // The what-if minimum of 6 drops the 5.0 order: one order of 7.5 by the second sample time.
        Assert.Equal([(t0 + Day / 2, (long?)0, (double?)0.0, "1"), (t0 + 2 * Day, 1, 7.5, "0")], rows);

        var metadata = reader.CustomMetadata;
        Assert.Equal("order_stats_30d", metadata["featureplatform.job"]);
        Assert.Equal(done.GetProperty("jobVersion").GetString(), metadata["featureplatform.job_version"]);
        Assert.Equal(id, metadata["featureplatform.run_id"]);
        using var parameters = JsonDocument.Parse(metadata["featureplatform.parameters"]);
        Assert.Equal(6, parameters.RootElement.GetProperty("overrides").GetProperty("min_amount").GetInt64());
        using var input = JsonDocument.Parse(metadata["featureplatform.input"]);
        Assert.Equal("sample", input.RootElement.GetProperty("kind").GetString());
        Assert.Equal("churn.csv", input.RootElement.GetProperty("sample").GetString());
        using var versions = JsonDocument.Parse(metadata["featureplatform.versions"]);
        Assert.Equal(2, versions.RootElement.GetProperty(done.GetProperty("jobVersion").GetString()!).GetInt64());
        using var declared = JsonDocument.Parse(metadata["featureplatform.columns"]);
        Assert.Contains(declared.RootElement.EnumerateArray(), c => c.GetProperty("name").GetString() == "order_count" && c.GetProperty("type").GetString() == "int");
        Assert.Equal("{}", metadata["featureplatform.models"]);
    }

    [Fact]
    public async Task A_slice_through_the_api_holds_each_keys_as_of_state_and_leaves_out_what_came_after()
    {
        var (users, t0) = await PostOrdersAsync(4, [3.5, 4.25, 9.0]);
        var asOf = t0 + Day + 1; // each user's first two orders
        using var operatorKey = factory.CreateClient(PlatformFactory.Operator);
        var started = await ReadJsonAsync(await operatorKey.PostAsync("/api/sources/orders/slices", Json($$"""{"asOf":{{asOf}}}""")), HttpStatusCode.Accepted);
        var id = started.GetProperty("id").GetString()!;
        var done = await WaitAsync(operatorKey, $"/api/slices/{id}", r => r.GetProperty("state").GetString() != "Running");
        Assert.Equal("Completed", done.GetProperty("state").GetString());
        Assert.Equal("demo-operator", done.GetProperty("requestedBy").GetString());

        var lines = (await operatorKey.GetStringAsync($"/api/slices/{id}/slice.csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var mine = lines.Skip(1).Select(l => l.Split(',')).Where(f => users.Contains(f[0])).ToDictionary(f => f[0]);
        Assert.Equal(users.Order(StringComparer.Ordinal), mine.Keys.Order(StringComparer.Ordinal));
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        foreach (var user in users)
        {
            var state = await ReadJsonAsync(await reader.GetAsync($"/api/events/orders/{user}?asOf={asOf}"));
            Assert.Equal(state.GetProperty("eventId").GetString(), mine[user][Array.IndexOf(header, "event_id")]);
            Assert.Equal(t0 + Day, long.Parse(mine[user][Array.IndexOf(header, "event_time")], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("4.25", mine[user][Array.IndexOf(header, "amount")]);
        }

        using var parquet = await operatorKey.GetAsync($"/api/slices/{id}/slice.parquet");
        await using var file = await ParquetReader.CreateAsync(new MemoryStream(await parquet.Content.ReadAsByteArrayAsync()));
        Assert.Equal("orders", file.CustomMetadata["featureplatform.source"]);
        Assert.Equal(asOf.ToString(System.Globalization.CultureInfo.InvariantCulture), file.CustomMetadata["featureplatform.as_of"]);
        var amount = file.Schema.GetDataFields().Single(f => f.Name == "amount");
        Assert.Equal(typeof(double), amount.ClrType);
        Assert.Equal(lines.Length - 1, file.RowGroups.Sum(g => g.RowCount));

        // Refusals name the fix.
        await AssertProblemAsync(await operatorKey.PostAsync("/api/sources/no_such_source/slices", Json("""{"asOf":1}""")), HttpStatusCode.NotFound, "GET /api/sources");
        using var readerKey = factory.CreateClient(PlatformFactory.Reader);
        Assert.Equal(HttpStatusCode.Forbidden, (await readerKey.PostAsync("/api/sources/orders/slices", Json("""{"asOf":1}"""))).StatusCode);
        Assert.Contains((await ReadJsonAsync(await reader.GetAsync("/api/slices"))).EnumerateArray(), s => s.GetProperty("id").GetString() == id);
    }

    private async Task<(IReadOnlyList<string> Users, long T0)> PostOrdersAsync(int userCount, IReadOnlyList<double> amounts)
    {
        var users = Enumerable.Range(0, userCount).Select(_ => $"u-{Guid.NewGuid():N}").ToList();
        // A unique day in 2001–2020 so other tests' orders are outside the replayed range.
        var t0 = 978_307_200_000L + Random.Shared.NextInt64(0, 7000) * Day;
        using var author = factory.CreateClient(PlatformFactory.Author);
        await TestHttp.PostOrdersAsync(author, users, t0, amounts);
        return (users, t0);
    }

    private static async Task<JsonElement> WaitAsync(HttpClient client, string path, Func<JsonElement, bool>? finished = null)
    {
        JsonElement status = default;
        await PollAsync(async () =>
        {
            status = await ReadJsonAsync(await client.GetAsync(path));
            return finished?.Invoke(status) ?? status.GetProperty("isFinished").GetBoolean();
        }, path + " finished");
        return status;
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(60));
}
