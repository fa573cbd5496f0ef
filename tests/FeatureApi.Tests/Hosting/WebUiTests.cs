using System.Net;
using FeaturePlatform.FeatureApi.Hosting;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

public sealed class WebUiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Theory]
    [InlineData("/", "text/html", "<title>FeaturePlatform</title>")]
    [InlineData("/index.html", "text/html", "id=\"api-key\"")]
    [InlineData("/js/app.js", "text/javascript", "import")]
    [InlineData("/app.css", "text/css", "--accent")]
    public async Task The_ui_is_served_anonymously_from_the_web_folder(string path, string mediaType, string contains)
    {
        using var client = factory.CreateClient(key: null);
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Contains(contains, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_routes_still_need_a_key()
    {
        using var client = factory.CreateClient(key: null);
        using var response = await client.GetAsync("/api/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void The_root_is_the_setting_else_the_repository_folder_else_the_build_output_copy()
    {
        var empty = new ConfigurationBuilder().Build();
        var repoWeb = Path.Combine(TestPaths.RepoRoot, "web");
        Assert.Equal(repoWeb, WebUi.FindRoot(empty, Path.Combine(TestPaths.RepoRoot, "src", "FeatureApi")));
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "web"), WebUi.FindRoot(empty, Path.Combine(Path.GetTempPath(), UniqueName.For("elsewhere"))));
        var configured = new ConfigurationBuilder().AddInMemoryCollection([new(WebUi.RootSetting, "/srv/ui")]).Build();
        Assert.Equal("/srv/ui", WebUi.FindRoot(configured, "/anything"));
    }
}
