using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.PyBridge.Tests;

[Collection(PythonCollection.Name)]
public sealed class HotReloadTests(PythonHostFixture fixture)
{
    private static string Source(int version) => $$"""
        from featureplatform import job, Output, Param

        @job("versioned", triggers="s", outputs=[Output("version", int), Output("a", int), Output("b", int)],
             params=[Param("a", int, 0, min=0, max=1000000), Param("b", int, 0, min=0, max=1000000)])
        def versioned(event, ctx):
            a = ctx.params["a"]
            for _ in range(50):
                ctx.fetch("profile", event.key)
            return {"version": {{version}}, "a": a, "b": ctx.params["b"]}
        """;

    private static readonly FeatureEvent Event = new("s", "k", 1);

    [Fact]
    public async Task Edited_module_takes_effect_and_a_broken_edit_keeps_the_previous_version()
    {
        var path = PythonHostFixture.WriteJob("versioned", Source(1));
        await using var job = await fixture.Host.LoadJobAsync(path, new CannedData(), new JobOptions { WatchForChanges = false });
        Assert.Equal(1L, (await job.InvokeAsync(Event))[0]["version"]);

        await File.WriteAllTextAsync(path, Source(2));
        var reloaded = await job.ReloadAsync();
        Assert.True(reloaded.Succeeded);
        Assert.Equal(2L, (await job.InvokeAsync(Event))[0]["version"]);

        await File.WriteAllTextAsync(path, Source(3).Replace("return {", "return {{", StringComparison.Ordinal));
        var rejected = await job.ReloadAsync();
        Assert.False(rejected.Succeeded);
        Assert.Equal((path, 9), (rejected.Error!.FileName, rejected.Error.LineNumber));
        Assert.Same(rejected.Error, job.LastReloadError);
        Assert.Equal(reloaded.Version, job.Version);
        Assert.Equal(2L, (await job.InvokeAsync(Event))[0]["version"]);
    }

    [Fact]
    public async Task File_watcher_reloads_without_an_explicit_call()
    {
        var path = PythonHostFixture.WriteJob("versioned", Source(1));
        await using var job = await fixture.Host.LoadJobAsync(path, new CannedData());
        var first = job.Version;

        await File.WriteAllTextAsync(path, Source(7));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long seen;
        do
        {
            seen = (long)(await job.InvokeAsync(Event))[0]["version"]!;
        }
        while (seen != 7 && DateTime.UtcNow < deadline);
        Assert.Equal(7L, seen);
        Assert.NotEqual(first, job.Version);
    }

    [Fact]
    public async Task Code_and_parameters_swap_atomically_under_concurrent_calls()
    {
        var path = PythonHostFixture.WriteJob("versioned", Source(1));
        await using var job = await fixture.Host.LoadJobAsync(path, new CannedData(), new JobOptions { WatchForChanges = false });
        using var stop = new CancellationTokenSource();

        async Task<List<ResultRow>> CallerAsync(bool batch)
        {
            var rows = new List<ResultRow>();
            while (!stop.IsCancellationRequested)
            {
                if (batch)
                {
                    var outcomes = await job.InvokeBatchAsync(Enumerable.Repeat(Event, 50).ToList());
                    rows.AddRange(outcomes.Select(o => o.Succeeded ? o.Rows[0] : throw o.Error!));
                }
                else
                {
                    rows.AddRange(await job.InvokeAsync(Event));
                }
            }
            return rows;
        }

        var callers = new[] { CallerAsync(false), CallerAsync(false), CallerAsync(true) };
        for (var i = 1; i <= 40; i++)
        {
            await job.SetParametersAsync(new Dictionary<string, object?> { ["a"] = i, ["b"] = i });
            if (i % 10 == 0)
            {
                await File.WriteAllTextAsync(path, Source(1 + (i / 10)));
                Assert.True((await job.ReloadAsync()).Succeeded);
            }
        }
        await stop.CancelAsync();
        var all = (await Task.WhenAll(callers)).SelectMany(r => r).ToList();

        Assert.True(all.Count > 100, $"only {all.Count} calls completed");
        Assert.All(all, r => Assert.Equal(r["a"], r["b"])); // one parameter set per call, never a mix
        Assert.Equal(5L, (await job.InvokeAsync(Event))[0]["version"]);
        Assert.Equal(40L, (await job.InvokeAsync(Event))[0]["a"]); // operator values survive code reloads
        Assert.Contains(all, r => (long)r["version"]! > 1 && (long)r["version"]! < 5);
    }

    [Fact]
    public async Task Invalid_parameter_values_are_rejected_and_nothing_changes()
    {
        await using var job = await fixture.Host.LoadJobAsync(PythonHostFixture.WriteJob("versioned", Source(1)), new CannedData());
        await job.SetParametersAsync(new Dictionary<string, object?> { ["a"] = 5 });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => job.SetParametersAsync(new Dictionary<string, object?> { ["a"] = 6, ["b"] = -1 }));
        Assert.Contains("'b': value -1 is below the minimum 0", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => job.SetParametersAsync(new Dictionary<string, object?> { ["nope"] = 1 }));

        Assert.Equal(5L, job.Parameters["a"]);
        Assert.Equal(5L, (await job.InvokeAsync(Event))[0]["a"]);
    }
}
