using System.Net;
using System.Net.Http.Headers;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Auth;

/// <summary>API keys and roles on every write endpoint, reads and anonymous endpoints.</summary>
public sealed class AuthTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string Job = "auth-job";

    /// <summary>Every write endpoint: path, body, a key allowed, the keys refused with 403.</summary>
    public static TheoryData<string, string, string, string[]> WriteEndpoints => new()
    {
        { "/api/sources/orders/messages", """{"user_id":"auth","created_at":1767225600000}""", PlatformFactory.Author,
            [PlatformFactory.Reader, PlatformFactory.Reviewer] },
        { "/api/corrections/orders", "", PlatformFactory.Admin,
            [PlatformFactory.Reader, PlatformFactory.Author, PlatformFactory.Operator, PlatformFactory.Reviewer] },
        { $"/api/jobs/{Job}/parameters/proposals", """{"values":{"threshold":0.7},"reason":"auth test"}""", PlatformFactory.Operator,
            [PlatformFactory.Reader, PlatformFactory.Author, PlatformFactory.Reviewer] },
        { $"/api/jobs/{Job}/parameters/proposals/none/approve", "{}", PlatformFactory.Reviewer,
            [PlatformFactory.Reader, PlatformFactory.Author, PlatformFactory.Operator] },
        { $"/api/jobs/{Job}/parameters/proposals/none/reject", """{"reason":"no"}""", PlatformFactory.Reviewer,
            [PlatformFactory.Reader, PlatformFactory.Author, PlatformFactory.Operator] },
    };

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task Writes_without_a_key_or_with_an_unknown_key_get_401(string path, string body, string allowed, string[] refused)
    {
        _ = (allowed, refused);
        using var anonymous = factory.CreateClient();
        using var none = await anonymous.PostAsync(path, Json(body));
        await AssertProblemAsync(none, HttpStatusCode.Unauthorized, "X-Api-Key");
        Assert.Equal("ApiKey", none.Headers.WwwAuthenticate.ToString());

        using var unknown = factory.CreateClient("not-a-known-key");
        using var bad = await unknown.PostAsync(path, Json(body));
        await AssertProblemAsync(bad, HttpStatusCode.Unauthorized, "not known");
    }

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task Writes_with_a_key_lacking_the_role_get_403_naming_the_roles(string path, string body, string allowed, string[] refused)
    {
        _ = allowed;
        foreach (var key in refused)
        {
            using var client = factory.CreateClient(key);
            using var response = await client.PostAsync(path, Json(body));
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden, "needs one of the roles");
            Assert.Contains(key, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task Writes_with_the_right_role_pass_authorization(string path, string body, string allowed, string[] refused)
    {
        _ = refused;
        factory.Jobs.AddJob(Job);
        foreach (var key in new[] { allowed, PlatformFactory.Admin })
        {
            using var client = factory.CreateClient(key);
            using var response = await client.PostAsync(path, Json(body));
            Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                $"{key} on {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("/api/sources")]
    [InlineData("/api/events/orders/nobody")]
    [InlineData("/api/watermarks/orders")]
    [InlineData("/api/dead-letters")]
    [InlineData("/api/corrections")]
    [InlineData("/api/features/job/key")]
    [InlineData($"/api/jobs/{Job}/parameters")]
    public async Task Reads_need_a_key_of_any_role(string path)
    {
        factory.Jobs.AddJob(Job);
        using var anonymous = factory.CreateClient();
        using var refused = await anonymous.GetAsync(path);
        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized);
        foreach (var key in new[] { PlatformFactory.Reader, PlatformFactory.Author, PlatformFactory.Operator, PlatformFactory.Reviewer, PlatformFactory.Admin })
        {
            using var client = factory.CreateClient(key);
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{key} on {path}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("/api/sources/orders/messages", PlatformFactory.Reader, "needs one of the roles author, operator, admin; the key of 'demo-reader' has reader.")]
    [InlineData("/api/corrections/orders", PlatformFactory.Operator, "needs one of the roles admin; the key of 'demo-operator' has operator.")]
    [InlineData($"/api/jobs/{Job}/parameters/proposals/x/approve", PlatformFactory.Operator, "needs one of the roles reviewer, admin;")]
    public async Task The_403_names_exactly_the_roles_the_write_needs(string path, string key, string detail)
    {
        using var client = factory.CreateClient(key);
        using var response = await client.PostAsync(path, Json("{}"));
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, detail);
    }

    [Fact]
    public async Task The_key_is_also_accepted_as_an_ApiKey_authorization_header()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", PlatformFactory.Reader);
        using var response = await client.GetAsync("/api/sources");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    [InlineData("/openapi/v1.json")]
    public async Task Health_metrics_and_the_OpenAPI_document_stay_anonymous(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
