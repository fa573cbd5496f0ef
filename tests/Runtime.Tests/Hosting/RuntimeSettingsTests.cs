using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Configuration;

namespace FeaturePlatform.Runtime.Tests.Hosting;

public sealed class RuntimeSettingsTests
{
    private static RuntimeSettings Bind(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(RuntimeSettings.SectionName).Get<RuntimeSettings>() ?? new RuntimeSettings();

    [Fact]
    public void Defaults_run_every_job_live_to_the_feature_store_from_the_copied_example_jobs()
    {
        var settings = Bind([]);
        settings.Validate();
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "python", "jobs"), settings.JobsDirectory);
        Assert.True(File.Exists(Path.Combine(settings.JobsDirectory, "order_stats_30d.py")));
        var job = settings.For("any");
        Assert.True(job.Enabled);
        Assert.Equal(JobOutputKind.FeatureStore, Assert.Single(job.EffectiveOutputs).Kind);
    }

    [Fact]
    public void Configured_jobs_bind_with_their_outputs_and_batch_sizes()
    {
        var settings = Bind(new()
        {
            ["Runtime:Jobs:a:Enabled"] = "false",
            ["Runtime:Jobs:b:Outputs:0:Kind"] = "FeatureStore",
            ["Runtime:Live:MaxBatchMessages"] = "25",
            ["Runtime:Python:BulkWorkers"] = "2",
            ["Runtime:EnableJobsByDefault"] = "false",
        });
        settings.Validate();
        Assert.False(settings.For("a").Enabled);
        Assert.Single(settings.For("b").EffectiveOutputs);
        Assert.True(settings.For("b").Enabled);
        Assert.False(settings.For("c").Enabled);
        Assert.Equal(25, settings.Live.ToOptions().MaxBatchMessages);
        Assert.Equal(2, settings.Python.BulkWorkers);
    }

    [Theory]
    [InlineData("Runtime:Live:MaxBatchMessages", "0", "MaxBatchMessages")]
    [InlineData("Runtime:FetchTimeout", "00:00:00", "FetchTimeout")]
    [InlineData("Runtime:Jobs:x:Outputs:0:Kind", "Kafka", "Kafka")]
    [InlineData("Runtime:Jobs:x:Outputs:0:Kind", "RabbitMq", "Runtime:Jobs:x:Outputs:0")]
    [InlineData("Runtime:FeatureStoreSaltBuckets", "0", "FeatureStoreSaltBuckets")]
    public void Invalid_settings_fail_at_start_up_naming_the_setting(string key, string value, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => Bind(new() { [key] = value }).Validate());
        Assert.Contains(named, e.Message);
    }
}
