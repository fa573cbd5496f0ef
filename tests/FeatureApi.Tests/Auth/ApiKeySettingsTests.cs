using System.Net;
using FeaturePlatform.FeatureApi.Auth;
using Microsoft.AspNetCore.Hosting;

namespace FeaturePlatform.FeatureApi.Tests.Auth;

/// <summary>The host with demo keys switched off: only Auth:Keys are accepted.</summary>
public sealed class NoDemoKeysFactory : PlatformFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Auth:EnableDemoKeys", "false");
    }
}

public sealed class ApiKeySettingsTests(NoDemoKeysFactory factory) : IClassFixture<NoDemoKeysFactory>
{
    [Fact]
    public async Task With_demo_keys_disabled_only_configured_keys_are_accepted()
    {
        using var demo = factory.CreateClient(PlatformFactory.Admin);
        using var refused = await demo.GetAsync("/api/sources");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var configured = factory.CreateClient(PlatformFactory.SecondReviewer);
        using var accepted = await configured.GetAsync("/api/sources");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Theory]
    [InlineData("short", "x", "reader", "shorter than 8")]
    [InlineData("long-enough", "", "reader", "no Name")]
    [InlineData("long-enough", "x", "root", "unknown roles root")]
    public void Bad_keys_are_refused_with_a_clear_message(string key, string name, string role, string message)
    {
        var settings = new ApiKeySettings { Keys = { [key] = new ApiKeyHolder { Name = name, Roles = [role] } } };
        var e = Assert.Throws<InvalidOperationException>(settings.Validate);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_keys_win_over_demo_keys_and_demo_keys_need_the_switch()
    {
        var settings = new ApiKeySettings
        {
            Keys = { ["shared-key"] = new ApiKeyHolder { Name = "real", Roles = ["reader"] } },
            DemoKeys = { ["shared-key"] = new ApiKeyHolder { Name = "demo", Roles = ["admin"] }, ["demo-only"] = new ApiKeyHolder { Name = "d", Roles = ["admin"] } },
        };
        Assert.Equal(["shared-key"], settings.EffectiveKeys().Keys);
        var enabled = settings with { EnableDemoKeys = true };
        Assert.Equal("real", enabled.EffectiveKeys()["shared-key"].Name);
        Assert.True(enabled.EffectiveKeys().ContainsKey("demo-only"));
    }
}
