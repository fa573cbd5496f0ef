namespace FeaturePlatform.PyBridge.Tests;

[Collection(PythonCollection.Name)]
public sealed class FaultTests(PythonHostFixture fixture)
{
    private const string Faulty = """
        import time
        from featureplatform import job, Output

        def helper(data):
            return data["missing"]

        @job("faulty", triggers="s", outputs=[Output("n", int)])
        def faulty(event, ctx):
            mode = event.get("mode")
            if mode == "raise":
                return {"n": helper(event.data)}
            if mode == "spin":
                while True:
                    pass
            if mode == "swallow":
                try:
                    while True:
                        pass
                except TimeoutError:
                    pass
                while True:
                    pass
            if mode == "shape":
                return [{"n": 1}, {"n": "two"}]
            if mode == "scalar":
                return 42
            if mode == "fetch":
                ctx.fetch("profile", event.key)
            if mode == "read_then_spin":
                ctx.fetch("profile", event.key)
                ctx.history("profile", event.key, since=0)
                while True:
                    pass
            if mode == "reads":
                ctx.fetch("profile", event.key)
                ctx.history("profile", event.key, since=0, consistency="fetch_strong")
            return {"n": 1}
        """;

    private async Task<Jobs.LoadedJob> LoadAsync(CannedData? data = null, TimeSpan? timeout = null) =>
        await fixture.Host.LoadJobAsync(PythonHostFixture.WriteJob("faulty", Faulty), data ?? new CannedData(),
            new Jobs.JobOptions { CallTimeout = timeout ?? TimeSpan.FromMilliseconds(200) });

    /// <summary>1-based line of the first line of <see cref="Faulty"/> containing <paramref name="marker"/>.</summary>
    private static int LineOf(string marker, int after = 0) =>
        Faulty.Split('\n').Select((text, i) => (text, i)).First(l => l.i >= after && l.text.Contains(marker, StringComparison.Ordinal)).i + 1;

    private static FeatureEvent Event(string mode) => new("s", "k", 1, $$"""{"mode": "{{mode}}"}""");

    private static async Task AssertHealthy(Jobs.LoadedJob job) =>
        Assert.Equal(1L, Assert.Single(await job.InvokeAsync(Event("ok")))["n"]);

    [Fact]
    public async Task Python_exception_becomes_a_typed_exception_with_job_file_line_and_traceback()
    {
        await using var job = await LoadAsync();

        var ex = await Assert.ThrowsAsync<PythonJobException>(() => job.InvokeAsync(Event("raise")));

        Assert.Equal("faulty", ex.Job);
        Assert.Equal("KeyError", ex.PythonType);
        Assert.Equal(job.Path, ex.FileName);
        Assert.Equal(LineOf("data[\"missing\"]"), ex.LineNumber); // inside the helper
        Assert.Contains("Traceback (most recent call last)", ex.PythonTraceback);
        Assert.Contains($"line {LineOf("helper(event.data)")}, in faulty", ex.PythonTraceback);
        Assert.Contains($"{job.Path}:{ex.LineNumber}", ex.Message);
        await AssertHealthy(job);
    }

    [Fact]
    public async Task Runaway_logic_is_interrupted_after_the_timeout_and_the_host_stays_healthy()
    {
        await using var job = await LoadAsync();
        var started = DateTime.UtcNow;

        var ex = await Assert.ThrowsAsync<JobTimeoutException>(() => job.InvokeAsync(Event("spin")));

        var elapsed = DateTime.UtcNow - started;
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(190), TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromMilliseconds(200), ex.Timeout);
        Assert.InRange(ex.LineNumber, LineOf("\"spin\"") + 1, LineOf("\"spin\"") + 2); // the loop's while or pass line
        await AssertHealthy(job);
    }

    [Fact]
    public async Task Logic_that_swallows_the_interrupt_is_interrupted_again()
    {
        await using var job = await LoadAsync();

        var ex = await Assert.ThrowsAsync<JobTimeoutException>(() => job.InvokeAsync(Event("swallow")));

        Assert.Equal("faulty", ex.Job);
        var second = LineOf("while True:", LineOf("except TimeoutError"));
        Assert.InRange(ex.LineNumber, second, second + 1); // the second loop, after the first interrupt was swallowed
        await AssertHealthy(job);
    }

    [Fact]
    public async Task Timeout_in_a_batch_fails_that_event_only()
    {
        await using var job = await LoadAsync();
        var events = new[] { Event("ok"), Event("spin"), Event("ok"), Event("raise"), Event("ok") };

        var outcomes = await job.InvokeBatchAsync(events);

        Assert.Equal([true, false, true, false, true], outcomes.Select(o => o.Succeeded));
        Assert.IsType<JobTimeoutException>(outcomes[1].Error);
        Assert.Equal("KeyError", outcomes[3].Error!.PythonType);
    }

    [Fact]
    public async Task Concurrent_single_calls_each_get_their_own_outcome_when_coalesced()
    {
        // Calls queued together share one crossing; a timeout or an exception must still reach only its own caller.
        const string echo = """
            from featureplatform import job, Output

            @job("echo_key", triggers="s", outputs=[Output("n", int)])
            def echo_key(event, ctx):
                n = int(event.key)
                if n == 5:
                    while True:
                        pass
                if n % 7 == 3:
                    raise ValueError(f"bad {n}")
                return {"n": n * 10}
            """;
        await using var job = await fixture.Host.LoadJobAsync(PythonHostFixture.WriteJob("echo_key", echo), new CannedData(),
            new Jobs.JobOptions { CallTimeout = TimeSpan.FromMilliseconds(300) });
        var calls = Enumerable.Range(0, 400)
            .Select(n => (n, job.InvokeAsync(new FeatureEvent("s", n.ToString(System.Globalization.CultureInfo.InvariantCulture), n, null)).WaitAsync(TimeSpan.FromSeconds(30))))
            .ToList();

        foreach (var (n, call) in calls)
        {
            if (n == 5)
            {
                await Assert.ThrowsAsync<JobTimeoutException>(() => call);
            }
            else if (n % 7 == 3)
            {
                var ex = await Assert.ThrowsAsync<PythonJobException>(() => call);
                Assert.Equal($"bad {n}", ex.PythonMessage);
            }
            else
            {
                Assert.Equal(n * 10L, Assert.Single(await call)["n"]);
            }
        }
    }

    [Theory]
    [InlineData("shape", "row 1: output 'n' is str")]
    [InlineData("scalar", "returned int; expected None, a dict (one row) or a list of dicts")]
    public async Task Wrong_shape_gets_a_clear_error(string mode, string text)
    {
        await using var job = await LoadAsync();

        var ex = await Assert.ThrowsAsync<JobResultShapeException>(() => job.InvokeAsync(Event(mode)));

        Assert.Contains(text, ex.PythonMessage);
        Assert.Contains("job 'faulty': 'faulty'", ex.PythonMessage);
        Assert.Equal((job.Path, LineOf("@job(")), (ex.FileName, ex.LineNumber)); // where the decorated function starts
        await AssertHealthy(job);
    }

    [Fact]
    public async Task Waiting_for_data_does_not_count_against_the_cpu_timeout_but_computing_after_it_does()
    {
        // Each read blocks 3.5x the call's 200 ms CPU timeout: only the logic's own time counts.
        var data = new CannedData { Delay = TimeSpan.FromMilliseconds(700) };
        await using var job = await LoadAsync(data);

        Assert.Equal(1L, Assert.Single(await job.InvokeAsync(Event("reads")))["n"]);
        Assert.Contains(data.Calls, c => c.StartsWith("history profile k ", StringComparison.Ordinal) && c.EndsWith(" FetchStrong", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<JobTimeoutException>(() => job.InvokeAsync(Event("read_then_spin")));
        Assert.Equal(TimeSpan.FromMilliseconds(200), ex.Timeout);
    }

    [Fact]
    public async Task Data_source_failure_reaches_the_caller_with_its_cause()
    {
        var data = new CannedData { FailWith = (_, _) => new TimeoutException("watermark wait expired") };
        await using var job = await LoadAsync(data);

        var ex = await Assert.ThrowsAsync<PythonJobException>(() => job.InvokeAsync(Event("fetch")));

        Assert.Equal("DataSourceError", ex.PythonType);
        Assert.Contains("watermark wait expired", ex.PythonMessage);
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal(LineOf("ctx.fetch(\"profile\""), ex.LineNumber);
        await AssertHealthy(job);
    }

    [Theory]
    [InlineData("x = 1\ndef broken(:\n    pass\n", 2, "SyntaxError")]
    [InlineData("def logic(event, ctx):\n    return None\n", 1, "no job declared")]
    [InlineData("from featureplatform import job, Output\n\n@job('j', triggers='s', outputs=[Output('n', int)])\ndef logic(event):\n    return None\n", 3, "must take exactly two arguments")]
    [InlineData("from featureplatform import job, Output, Param\n\n@job('j', triggers='s', outputs=[Output('n', int)],\n     params=[Param('p', int, 50, min=0, max=10)])\ndef logic(event, ctx):\n    return None\n", 3, "above the maximum")]
    [InlineData("import featureplatform\nraise RuntimeError('import failed')\n", 2, "RuntimeError while loading the module: import failed")]
    public async Task Invalid_modules_are_rejected_naming_file_and_line(string source, int line, string reason)
    {
        var path = PythonHostFixture.WriteJob("invalid", source);

        var ex = await Assert.ThrowsAsync<JobValidationException>(() => fixture.Host.LoadJobAsync(path, new CannedData()));

        Assert.Equal(path, ex.FileName);
        Assert.Contains(reason, ex.Reason);
        if (reason.StartsWith("must take", StringComparison.Ordinal))
        {
            Assert.InRange(ex.LineNumber, 3, 4); // the decorator or the def line, depending on the Python version
        }
        else
        {
            Assert.Equal(line, ex.LineNumber);
        }
        Assert.StartsWith($"{path}:{ex.LineNumber}: ", ex.Message);
    }

    [Fact]
    public async Task Directory_load_reports_bad_modules_and_loads_the_good_ones()
    {
        var dir = Path.GetDirectoryName(PythonHostFixture.WriteJob("good", Faulty))!;
        await File.WriteAllTextAsync(Path.Combine(dir, "bad.py"), "def broken(:\n");

        var load = await fixture.Host.LoadJobsAsync(dir, new CannedData());

        try
        {
            Assert.Equal("faulty", Assert.Single(load.Jobs).Declaration.Name);
            Assert.Equal((Path.Combine(dir, "bad.py"), 1), (Assert.Single(load.Errors).FileName, load.Errors[0].LineNumber));
        }
        finally
        {
            foreach (var job in load.Jobs)
            {
                await job.DisposeAsync();
            }
        }
    }
}
