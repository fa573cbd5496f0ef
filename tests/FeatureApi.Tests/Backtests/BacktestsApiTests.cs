using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Backtests;

/// <summary>Backtests of the example jobs the host's runtime loads (its embedded default).</summary>
public sealed class BacktestsApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>, IAsyncLifetime
{
    public async Task InitializeAsync() => await factory.Services.GetRequiredService<RuntimeStartup>().Ready.WaitAsync(TimeSpan.FromSeconds(60));

    public Task DisposeAsync() => Task.CompletedTask;

    private const long Day = 86_400_000;

    [Fact]
    public async Task A_range_backtest_runs_to_completion_with_paged_rows_statistics_and_csv()
    {
        var (user, t0) = await PostOrdersAsync([10.0, 20.0, 30.0]);
        using var author = factory.CreateClient(PlatformFactory.Author);
        var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests",
            Json($$"""{"job":"order_stats_30d","from":{{t0}},"to":{{t0 + 3 * Day}}}""")), HttpStatusCode.Accepted);
        var id = launched.GetProperty("id").GetString()!;
        var done = await WaitFinishedAsync(author, id);
        Assert.Equal("Completed", done.GetProperty("state").GetString());
        var progress = done.GetProperty("progress");
        Assert.Equal(3, progress.GetProperty("eventsDone").GetInt64());
        Assert.Equal(3, progress.GetProperty("results").GetInt64());
        Assert.Equal(1.0, progress.GetProperty("fraction").GetDouble());

        var page = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}/results?offset=1&limit=1"));
        Assert.Equal(3, page.GetProperty("total").GetInt64());
        var row = Assert.Single(page.GetProperty("rows").EnumerateArray());
        Assert.Equal(user, row.GetProperty("key").GetString());
        Assert.Equal(t0 + Day, row.GetProperty("eventTime").GetInt64());
        Assert.Equal(2, row.GetProperty("values").GetProperty("order_count").GetInt64());
        var columns = page.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        var amount = columns["order_amount"];
        Assert.Equal(3, amount.GetProperty("count").GetInt64());
        Assert.Equal(10.0, amount.GetProperty("min").GetDouble());
        Assert.Equal(60.0, amount.GetProperty("max").GetDouble());
        Assert.Equal(100.0 / 3, amount.GetProperty("mean").GetDouble(), 6);
        Assert.Equal(3, columns["user_tier"].GetProperty("nulls").GetInt64());
        var top = Assert.Single(columns["user_id"].GetProperty("top").EnumerateArray());
        Assert.Equal(user, top.GetProperty("value").GetString());
        Assert.Equal(3, top.GetProperty("count").GetInt64());

        using var csv = await author.GetAsync($"/api/backtests/{id}/results.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("job,key,event_time,event_id,user_id,order_count", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);

        var list = await ReadJsonAsync(await author.GetAsync("/api/backtests"));
        Assert.Contains(list.EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        // Cancelling a finished run changes nothing.
        var cancelled = await ReadJsonAsync(await author.PostAsync($"/api/backtests/{id}/cancel", null));
        Assert.Equal("Completed", cancelled.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_sample_table_upload_runs_each_row_as_of_its_time()
    {
        var (user, t0) = await PostOrdersAsync([5.0, 7.0]);
        using var author = factory.CreateClient(PlatformFactory.Author);
        var csv = $"key,time,label\n{user},{t0 + Day / 2},1\n{user},{t0 + 2 * Day},0\nbad-row-without-time\n";
        using var form = new MultipartFormDataContent
        {
            { new StringContent("order_stats_30d"), "job" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", "sample.csv" },
        };
        var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests", form), HttpStatusCode.Accepted);
        var done = await WaitFinishedAsync(author, launched.GetProperty("id").GetString()!);
        Assert.Equal("Completed", done.GetProperty("state").GetString());
        Assert.Equal(1, done.GetProperty("progress").GetProperty("badRows").GetInt64());
        Assert.Equal(3, Assert.Single(done.GetProperty("badRowSamples").EnumerateArray()).GetProperty("line").GetInt64() - 1);

        var page = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{done.GetProperty("id").GetString()}/results"));
        var counts = page.GetProperty("rows").EnumerateArray().OrderBy(r => r.GetProperty("eventTime").GetInt64())
            .Select(r => r.GetProperty("values").GetProperty("order_count").GetInt64()).ToList();
        Assert.Equal([1L, 2L], counts);
        var csvLines = (await author.GetStringAsync($"/api/backtests/{done.GetProperty("id").GetString()}/results.csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("job,key,event_time,event_id,label,user_id", csvLines[0], StringComparison.Ordinal);
        Assert.Equal(["1", "0"], csvLines.Skip(1).Select(l => l.Split(',')[4]).Order().Reverse());
    }

    [Fact]
    public async Task A_sample_table_upload_takes_what_if_parameter_values()
    {
        var (user, t0) = await PostOrdersAsync([5.0, 7.0]);
        using var author = factory.CreateClient(PlatformFactory.Author);
        var csv = $"key,time\n{user},{t0 + 2 * Day}\n";
        MultipartFormDataContent Form(string parameters) => new()
        {
            { new StringContent("order_stats_30d"), "job" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", "sample.csv" },
            { new StringContent(parameters), "parameters" },
        };

        using var whatIf = Form("""{"min_amount": 6}""");
        var launched = await ReadJsonAsync(await author.PostAsync("/api/backtests", whatIf), HttpStatusCode.Accepted);
        var done = await WaitFinishedAsync(author, launched.GetProperty("id").GetString()!);
        Assert.Equal("Completed", done.GetProperty("state").GetString());
        var page = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{done.GetProperty("id").GetString()}/results"));
        var row = Assert.Single(page.GetProperty("rows").EnumerateArray());
        // The 5.0 order is below the what-if minimum; with the job's own values (min_amount 0) both count.
        Assert.Equal(1, row.GetProperty("values").GetProperty("order_count").GetInt64());
        Assert.Equal(7.0, row.GetProperty("values").GetProperty("order_amount").GetDouble());

        using var notAnObject = Form("[6]");
        var problem = await ReadJsonAsync(await author.PostAsync("/api/backtests", notAnObject), HttpStatusCode.BadRequest);
        Assert.Contains("parameters", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var outOfBounds = Form("""{"min_amount": -1}""");
        problem = await ReadJsonAsync(await author.PostAsync("/api/backtests", outOfBounds), HttpStatusCode.BadRequest);
        Assert.Contains("min_amount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_backtest_is_cancelled_and_reports_it()
    {
        var (user, t0) = await PostOrdersAsync([1.0]);
        using var author = factory.CreateClient(PlatformFactory.Author);
        // A long sample table: 200,000 rows of the same entity.
        var csv = new StringBuilder("key,time\n");
        for (var i = 0; i < 200_000; i++)
        {
            csv.Append(user).Append(',').Append(t0 + i).Append('\n');
        }
        using var form = new MultipartFormDataContent
        {
            { new StringContent("order_stats_30d"), "job" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString())), "file", "long.csv" },
        };
        var id = (await ReadJsonAsync(await author.PostAsync("/api/backtests", form), HttpStatusCode.Accepted)).GetProperty("id").GetString()!;
        await PollAsync(async () => (await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}"))).GetProperty("progress").GetProperty("eventsDone").GetInt64() > 0,
            "the run started");
        var running = await ReadJsonAsync(await author.GetAsync($"/api/backtests/{id}"));
        Assert.Equal("Running", running.GetProperty("state").GetString());
        Assert.Equal(200_000, running.GetProperty("progress").GetProperty("estimatedTotal").GetInt64());

        using var reader = factory.CreateClient(PlatformFactory.Reader);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/backtests/{id}/cancel", null)).StatusCode);
        await AssertProblemAsync(await author.GetAsync($"/api/backtests/{id}/results"), HttpStatusCode.Conflict, "once it has finished");
        var cancelled = await ReadJsonAsync(await author.PostAsync($"/api/backtests/{id}/cancel", null));
        Assert.Equal("Cancelled", cancelled.GetProperty("state").GetString());
        Assert.True(cancelled.GetProperty("isFinished").GetBoolean());
        Assert.True(cancelled.GetProperty("progress").GetProperty("eventsDone").GetInt64() < 200_000);
    }

    [Fact]
    public async Task Launches_are_checked_and_refused_with_problem_details()
    {
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        using var refused = await reader.PostAsync("/api/backtests", Json("""{"job":"order_stats_30d","from":0,"to":1}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        // An operator (or reviewer) may backtest a proposal, nothing else: the 403 says so.
        using var operatorKey = factory.CreateClient(PlatformFactory.Operator);
        await AssertProblemAsync(await operatorKey.PostAsync("/api/backtests", Json("""{"job":"order_stats_30d","from":0,"to":1}""")),
            HttpStatusCode.Forbidden, "backtest of a parameter proposal");
        await AssertProblemAsync(await operatorKey.PostAsync("/api/backtests", Json("""{"job":"order_stats_30d","from":0,"to":1,"proposal":"p1","parameters":{"min_amount":1}}""")),
            HttpStatusCode.Forbidden, "without 'parameters'");

        using var author = factory.CreateClient(PlatformFactory.Author);
        await AssertProblemAsync(await author.PostAsync("/api/backtests", Json("""{"job":"no_such_job","from":0,"to":1}""")), HttpStatusCode.NotFound, "no_such_job");
        await AssertProblemAsync(await author.PostAsync("/api/backtests", Json("""{"job":"order_stats_30d","from":5,"to":5}""")), HttpStatusCode.BadRequest, "from < to");
        await AssertProblemAsync(await author.PostAsync("/api/backtests", Json("""{"job":"order_stats_30d","from":0,"to":1,"source":"nope"}""")), HttpStatusCode.BadRequest);
        // A registered source that is not one of the job's triggers: the 400 names the field and the valid values.
        var notATrigger = await AssertProblemAsync(await author.PostAsync("/api/backtests", Json("""{"job":"order_stats_30d","from":0,"to":1,"source":"user_profile"}""")),
            HttpStatusCode.BadRequest, "source: 'user_profile' is not a trigger source of job 'order_stats_30d'; valid values: orders");
        Assert.DoesNotContain("Exception", notATrigger.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var noFile = new MultipartFormDataContent { { new StringContent("order_stats_30d"), "job" } };
        await AssertProblemAsync(await author.PostAsync("/api/backtests", noFile), HttpStatusCode.BadRequest, "'file'");
        await AssertProblemAsync(await author.GetAsync("/api/backtests/run-unknown"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await author.GetAsync("/api/backtests/run-unknown/results"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await author.GetAsync("/api/backtests/x/results?limit=0"), HttpStatusCode.BadRequest);
    }

    /// <summary>Posts one order per amount for a new user, a day apart from a unique base time; waits until stored.</summary>
    private async Task<(string User, long T0)> PostOrdersAsync(IReadOnlyList<double> amounts)
    {
        var user = $"u-{Guid.NewGuid():N}";
        // A unique day in 2001–2020 so other tests' orders are outside the replayed range.
        var t0 = 978_307_200_000L + Random.Shared.NextInt64(0, 7000) * Day;
        using var author = factory.CreateClient(PlatformFactory.Author);
        await TestHttp.PostOrdersAsync(author, [user], t0, amounts);
        return (user, t0);
    }

    private static async Task<JsonElement> WaitFinishedAsync(HttpClient client, string id)
    {
        JsonElement status = default;
        await PollAsync(async () => (status = await ReadJsonAsync(await client.GetAsync($"/api/backtests/{id}"))).GetProperty("isFinished").GetBoolean(), $"backtest {id} finished");
        return status;
    }

    private static Task PollAsync(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(60));
}
