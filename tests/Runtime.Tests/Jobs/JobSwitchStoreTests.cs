using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Tests.Jobs;

/// <summary>Operators' enable/disable switches are stored, survive a restart (a fresh store over the same table) and apply once.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class JobSwitchStoreTests(PythonHostFixture python)
{
    [Fact]
    public async Task A_stored_switch_applies_to_the_job_after_a_restart_and_only_newer_switches_apply_again()
    {
        await using var harness = await RuntimeHarness.StartAsync(null);
        var store = new JobSwitchStore(harness.Hot);
        await store.EnsureTableAsync();
        var stored = await store.SetAsync("scaled", false, "alice");
        Assert.False(stored.Enabled);

        // "After a restart": a new store object and a freshly loaded job enabled by configuration.
        var restarted = new JobSwitchStore(harness.Hot);
        var job = new RegisteredJob(await python.Host.LoadJobAsync(PythonHostFixture.WriteJob("scaled", TestJobs.Scaled), harness.DataSource), enabled: true);
        var changes = new List<bool>();
        job.EnabledChanged += j => changes.Add(j.Enabled);
        var applied = new Dictionary<string, long>(StringComparer.Ordinal);
        Assert.Equal(1, await restarted.ApplyAsync([job], applied));
        Assert.False(job.Enabled);
        Assert.Equal([false], changes);
        Assert.Equal("alice", (await restarted.GetAsync("scaled"))!.ChangedBy);

        // Already applied: a local change is not overridden by the same stored switch again.
        job.Enabled = true;
        Assert.Equal(0, await restarted.ApplyAsync([job], applied));
        Assert.True(job.Enabled);
        // A newer switch (e.g. from another process) is applied.
        var newer = await store.SetAsync("scaled", false, "bob");
        Assert.True(newer.Version > stored.Version);
        Assert.Equal(1, await restarted.ApplyAsync([job], applied));
        Assert.False(job.Enabled);
        Assert.Equal([false, true, false], changes);
        Assert.Null(await store.GetAsync("other"));
    }
}
