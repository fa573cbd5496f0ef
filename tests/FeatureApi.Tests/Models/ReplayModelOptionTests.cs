using FeaturePlatform.FeatureApi.Replay.Cli;

namespace FeaturePlatform.FeatureApi.Tests.Models;

/// <summary>The replay command's <c>--model name=version</c>: a pinned version becomes the run's binding <c>model.&lt;name&gt;</c>.</summary>
public sealed class ReplayModelOptionTests
{
    private static readonly string Version = new('a', 64);

    [Fact]
    public void A_pinned_version_is_the_runs_model_binding_next_to_what_if_parameters()
    {
        var parsed = ReplayArguments.Parse(["--job", "j", "--from", "0", "--to", "1", "--param", "min=2", "--model", $"churn={Version}"]);
        Assert.Equal(Version, parsed.Parameters!["model.churn"]);
        Assert.True(parsed.Parameters.ContainsKey("min"));
    }

    [Theory]
    [InlineData("churn")]
    [InlineData("churn=abc")]
    [InlineData("bad name=aaaa")]
    public void A_malformed_pin_is_refused_naming_the_option(string pin)
    {
        var error = Assert.Throws<FormatException>(() => ReplayArguments.Parse(["--job", "j", "--from", "0", "--to", "1", "--model", pin]));
        Assert.Contains("--model", error.Message, StringComparison.Ordinal);
    }
}
