namespace FeaturePlatform.PyBridge.Tests;

[Collection(PythonCollection.Name)]
public sealed class ExampleJobsTests(PythonHostFixture fixture)
{
    private const long T = Tests.LendingData.T;

    private static CannedData LendingData() => Tests.LendingData.Create();

    [Fact]
    public async Task Order_stats_counts_the_window_and_joins_the_profile_as_of_the_event()
    {
        var data = LendingData();
        await using var job = await fixture.Host.LoadJobAsync(Path.Combine(PythonHostFixture.ExampleJobs, "order_stats_30d.py"), data);

        Assert.Equal("order_stats_30d", job.Declaration.Name);
        Assert.Equal(Consistency.FetchStrong, job.Declaration.Consistency);
        Assert.Equal("orders", Assert.Single(job.Declaration.Triggers).Source);
        var window = job.Declaration.Parameters.Single(p => p.Name == "window_days");
        Assert.Equal((30L, 1.0, 365.0), (window.Default, window.Min, window.Max));

        var row = Assert.Single(await job.InvokeAsync(new FeatureEvent("orders", "u1", T, """{"amount": 30.0}""")));
        Assert.Equal("u1", row["user_id"]);
        Assert.Equal(3L, row["order_count"]);
        Assert.Equal(90.0, row["order_amount"]);
        Assert.Equal(30.0, row["avg_order_amount"]);
        Assert.Equal("silver", row["user_tier"]);
        Assert.Equal(100L, row["account_age_days"]);
        Assert.Contains($"fetch user_profile u1 {T} FetchStrong", data.Calls);

        var none = Assert.Single(await job.InvokeAsync(new FeatureEvent("orders", "nobody", T)));
        Assert.Equal((0L, null, null), (none["order_count"], none["user_tier"], none["account_age_days"]));
    }

    [Fact]
    public async Task Repayment_risk_scores_with_parameters_and_emits_a_row_per_product()
    {
        await using var job = await fixture.Host.LoadJobAsync(Path.Combine(PythonHostFixture.ExampleJobs, "repayment_risk.py"), LendingData());
        var application = new FeatureEvent("loan_applications", "u1", T, """{"amount": 6000, "application_id": "a1"}""", "evt-1");

        var row = Assert.Single(await job.InvokeAsync(application));
        Assert.Equal(("a1", 1L, 0.3, 0.3543, "approve"), (row.Get<string>("application_id"), row.Get<long>("late_repayments"),
            row.Get<double>("debt_to_income"), row.Get<double>("risk_score"), row.Get<string>("decision")));

        await job.SetParametersAsync(new Dictionary<string, object?> { ["late_weight"] = 2.0 });
        row = Assert.Single(await job.InvokeAsync(application));
        Assert.Equal((0.6457, "review"), (row.Get<double>("risk_score"), row.Get<string>("decision")));

        var products = new FeatureEvent("loan_applications", "u1", T,
            """{"products": [{"amount": 6000, "application_id": "a1"}, {"amount": 30000, "application_id": "a2"}]}""");
        await job.SetParametersAsync(new Dictionary<string, object?>());
        var rows = await job.InvokeAsync(products);
        Assert.Equal([("a1", 0.3543, "approve"), ("a2", 0.5498, "review")],
            rows.Select(r => (r.Get<string>("application_id")!, r.Get<double>("risk_score"), r.Get<string>("decision")!)).ToList());
    }

    [Fact]
    public async Task Batches_give_the_same_rows_as_single_calls()
    {
        await using var job = await fixture.Host.LoadJobAsync(Path.Combine(PythonHostFixture.ExampleJobs, "order_stats_30d.py"), LendingData());
        var events = Enumerable.Range(0, 500).Select(i => new FeatureEvent("orders", i % 2 == 0 ? "u1" : $"other{i}", T)).ToList();

        var outcomes = await job.InvokeBatchAsync(events);

        Assert.Equal(500, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(events, outcomes.Select(o => o.Event));
        Assert.Equal(90.0, Assert.Single(outcomes[0].Rows)["order_amount"]);
        Assert.Equal(0L, Assert.Single(outcomes[1].Rows)["order_count"]);
        var single = Assert.Single(await job.InvokeAsync(events[0]));
        Assert.Equal(single.Values, outcomes[0].Rows[0].Values);
    }

    [Fact]
    public async Task Interpreter_is_debians_python_and_sees_debians_numpy()
    {
        Assert.Equal("/usr/bin/python3", fixture.Host.Installation.Executable);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", fixture.Host.Installation.Library);
        Assert.Equal("/usr/lib/python3/dist-packages/numpy/__init__.py", await fixture.Host.EvaluateAsync("__import__('numpy').__file__"));
        Assert.Equal("True", await fixture.Host.EvaluateAsync("__import__('json').decoder.c_scanstring is not None"));
        Assert.Equal("0.001", await fixture.Host.EvaluateAsync("__import__('sys').getswitchinterval()"));
    }
}
