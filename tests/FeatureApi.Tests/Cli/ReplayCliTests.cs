using System.Diagnostics;
using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.FeatureApi.Replay.Cli;
using FeaturePlatform.Runtime.Replay;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.FeatureApi.Tests.Cli;

/// <summary>The <c>replay</c> command: arguments, the progress line, and whole runs in a child process.</summary>
public sealed class ReplayCliTests
{
    private const long T0 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

    [Fact]
    public void Arguments_take_iso_or_epoch_times_and_sample_options()
    {
        var range = ReplayArguments.Parse(["--job", "j", "--from", "2024-01-01T00:00:00Z", "--to", "1704067260000", "--out", "/tmp/x"]);
        Assert.Equal(new TimeRangeInput(T0, T0 + 60_000), range.Input);
        Assert.Equal("/tmp/x", range.OutputDirectory);
        Assert.False(range.FeatureStore);
        var backfill = ReplayArguments.Parse(["--job", "j", "--from", "0", "--to", "1", "--feature-store", "--sink", "risk_topic", "--sink", "feature_store"]);
        Assert.True(backfill.FeatureStore);
        Assert.Equal(["risk_topic", "feature_store"], backfill.Sinks);

        var sample = ReplayArguments.Parse(["--sample", "s.csv", "--job", "j", "--time-column", "at", "--source", "orders"]);
        var input = Assert.IsType<SampleTableInput>(sample.Input);
        Assert.Equal("s.csv", input.Path);
        Assert.Equal("orders", input.Source);
        Assert.Equal("at", input.Options!.TimeColumn);
        Assert.Equal("key", input.Options.KeyColumn);
    }

    [Theory]
    [InlineData(new[] { "--from", "0", "--to", "1" }, "'--job' is required")]
    [InlineData(new[] { "--job", "j", "--from", "0" }, "--to is required")]
    [InlineData(new[] { "--job", "j", "--from", "soon", "--to", "1" }, "'soon'")]
    [InlineData(new[] { "--job", "j", "--from", "5", "--to", "5" }, "before")]
    [InlineData(new[] { "--job", "j", "--sample", "s.csv", "--from", "1" }, "not both")]
    [InlineData(new[] { "--job", "j", "--bogus" }, "'--bogus'")]
    [InlineData(new[] { "--job" }, "--job")]
    [InlineData(new[] { "--job", "j", "--sample", "s.csv", "--feature-store" }, "replays a time range")]
    [InlineData(new[] { "--job", "j", "--from", "0", "--to", "1", "--feature-store", "--out", "/tmp/x" }, "leave --out out")]
    [InlineData(new[] { "--job", "j", "--from", "0", "--to", "1", "--sink", "k" }, "--sink needs --feature-store")]
    public void Bad_arguments_are_refused_with_the_reason(string[] args, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => ReplayArguments.Parse(args)).Message, StringComparison.Ordinal);

    [Fact]
    public void The_progress_line_shows_the_bar_counts_rate_eta_and_errors()
    {
        var status = new RunStatus("r", "j", "v1", "replay", RunState.Running, new RunProgress(250, 1000, 240, 10, 0, 125, TimeSpan.FromSeconds(6)),
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, null, [], new Dictionary<string, long>(), null);
        Assert.Equal("[#####...............] 250/1,000 25.0 %  125 ev/s  ETA 00:06  errors 10", ProgressBar.Render(status, 20));
        var unknown = status with { Progress = new RunProgress(7, null, 7, 0, 3, 1, null) };
        Assert.Equal("[????] 7/? --  1 ev/s  ETA --:--  errors 0  bad rows 3", ProgressBar.Render(unknown, 4));
    }

    [Fact]
    public async Task A_replay_of_stored_orders_completes_with_a_summary_and_exit_code_zero()
    {
        var data = Path.Combine(Path.GetTempPath(), UniqueName.For("cli-data"));
        await StoreOrdersAsync(data, 200);
        var output = Path.Combine(data, "out");

        var (code, stdout, stderr) = await RunCliAsync(data, "replay", "--job", "order_stats_30d", "--from", "2024-01-01T00:00:00Z", "--to", (T0 + 200_000).ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", output);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("completed: 200 events, 200 results, 0 errors", stdout, StringComparison.Ordinal);
        Assert.Contains("200/200 100.0 %", stdout, StringComparison.Ordinal);
        var summary = await RunSummaryFile.ReadAsync(output);
        Assert.Equal(RunState.Completed, summary!.State);
        Assert.Equal(200, summary.Progress.EventsDone);

        // The rows themselves, as JSON lines and CSV, and the summary line says where.
        Assert.Contains($"results in {output} (", stdout, StringComparison.Ordinal);
        Assert.Contains("results.jsonl", stdout, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(Path.Combine(output, "results.jsonl"));
        Assert.Equal(200, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"order_count\"", l, StringComparison.Ordinal));
        var csv = await File.ReadAllLinesAsync(Path.Combine(output, "results.csv"));
        Assert.Equal(201, csv.Length);
        Assert.Contains("order_count", csv[0], StringComparison.Ordinal);
        // --out also hands the results off as Parquet: typed columns, the run's lineage as metadata.
        await using var parquet = await Parquet.ParquetReader.CreateAsync(Path.Combine(output, Runtime.Outputs.BacktestParquetOutput.FileName));
        Assert.Equal(200, parquet.RowGroups.Sum(g => g.RowCount));
        Assert.Equal(typeof(long), parquet.Schema.GetDataFields().Single(f => f.Name == "order_count").ClrType);
        Assert.Equal(summary.JobVersion, parquet.CustomMetadata["featureplatform.job_version"]);
        Assert.Contains("\"kind\": \"range\"", parquet.CustomMetadata["featureplatform.input"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_run_exits_non_zero_with_the_reason()
    {
        var data = Path.Combine(Path.GetTempPath(), UniqueName.For("cli-data"));
        Directory.CreateDirectory(data);
        var sample = Path.Combine(data, "sample.csv");
        await File.WriteAllTextAsync(sample, "key,when\nu1,1\n");

        var (code, stdout, stderr) = await RunCliAsync(data, "replay", "--job", "order_stats_30d", "--sample", sample);
        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        // A table without the time column is refused before the run starts (SampleTableCheck), naming the columns.
        Assert.Contains("the header row must name the key column 'key' and the time column 'time'", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await RunCliAsync(data, "replay", "--job", "no_such_job", "--from", "0", "--to", "1");
        Assert.Equal(1, code);
        Assert.Contains("No job named 'no_such_job'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backfill_writes_features_where_the_api_reads_them_under_the_configured_salt()
    {
        var data = Path.Combine(Path.GetTempPath(), UniqueName.For("cli-data"));
        await StoreOrdersAsync(data, 40);
        var environment = new Dictionary<string, string> { ["Runtime__FeatureStoreSaltBuckets"] = "4" };
        // A value of a newer event time is stored for u5 (as a live run after the range would leave it): the backfill keeps it.
        await using (var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(data, "hot") }))
        {
            var live = new Runtime.OnlineStore.FeatureStore(store, saltBuckets: 4);
            await live.EnsureTableAsync();
            var newer = new ChangeEvent
            {
                Source = "orders", EntityKey = "u5", Operation = EventOperation.Insert, EventTime = T0 + 50_000, IngestTime = T0 + 50_000,
                Position = new SourcePosition("orders", 0, 1000), EventId = "live-u5",
            };
            await live.WriteAsync([new Runtime.Execution.FeatureResult("order_stats_30d", "live", newer, 0, [new("order_count", 999L)])], CancellationToken.None);
        }

        var (code, stdout, stderr) = await RunCliAsync(data, environment, "replay", "--job", "order_stats_30d", "--from", "0", "--to", (T0 + 40_000).ToString(System.Globalization.CultureInfo.InvariantCulture), "--feature-store");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");

        // Read as the API does with the same configuration: 4 salt buckets.
        await using var hot = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(data, "hot") });
        var features = new Runtime.OnlineStore.FeatureStore(hot, saltBuckets: 4);
        var record = await features.GetAsync("order_stats_30d", "u3");
        Assert.NotNull(record);
        Assert.Equal(3, record.Values["order_count"].GetInt64()); // u3 ordered at i = 3, 20, 37
        var kept = await features.GetAsync("order_stats_30d", "u5");
        Assert.Equal((T0 + 50_000, "live-u5", 999L), (kept!.EventTime, kept.EventId, kept.Values["order_count"].GetInt64()));
        // u5 ordered at i = 5, 22, 39: three results older than the stored value, skipped; the other 37 written.
        Assert.Contains("backfill: 37 rows written, 3 skipped (a newer value was stored)", stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(Path.Combine(data, "backfills")), d => File.Exists(Path.Combine(d, Runtime.Backfill.BackfillRecord.FileName)));
    }

    private static async Task StoreOrdersAsync(string dataDirectory, int count)
    {
        await using var hot = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(dataDirectory, "hot") });
        await using var cold = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = Path.Combine(dataDirectory, "cold") });
        var events = new TieredEventStore(hot, cold);
        await events.EnsureTablesAsync();
        await events.WriteAsync(Enumerable.Range(0, count).Select(i => new ChangeEvent
        {
            Source = "orders",
            EntityKey = $"u{i % 17}",
            Operation = EventOperation.Insert,
            EventTime = T0 + i * 1000,
            IngestTime = T0 + i * 1000,
            Position = new SourcePosition("orders", 0, i),
            EventId = $"o{i}",
            After = Encoding.UTF8.GetBytes($$"""{"order_id":"o{{i}}","user_id":"u{{i % 17}}","created_at":{{T0 + i * 1000}},"amount":{{i}}.5}"""),
        }).ToList());
        // As ingestion leaves a settled range: the job reads orders and user_profile at fetch_strong, which waits for
        // their watermarks to pass each order's time.
        var watermarks = new WatermarkStore(hot);
        await watermarks.EnsureTableAsync();
        await watermarks.AdvanceEventTimeAsync("orders", T0 + count * 1000);
        await watermarks.AdvanceEventTimeAsync("user_profile", T0 + count * 1000);
    }

    /// <summary>Runs the built FeatureApi with <paramref name="args"/> against <paramref name="dataDirectory"/>.</summary>
    private static Task<(int Code, string Stdout, string Stderr)> RunCliAsync(string dataDirectory, params string[] args) =>
        RunCliAsync(dataDirectory, new Dictionary<string, string>(), args);

    private static async Task<(int Code, string Stdout, string Stderr)> RunCliAsync(string dataDirectory, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(ReplayArguments).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["EventCenter__DataDirectory"] = dataDirectory;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the CLI did not exit in 3 minutes\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
