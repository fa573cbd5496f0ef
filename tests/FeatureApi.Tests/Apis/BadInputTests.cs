using System.Net;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Apis;

/// <summary>Malformed query strings and route values are 400 ProblemDetails, never 500.</summary>
public sealed class BadInputTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Theory]
    [InlineData("/api/events/orders/u1/history?limit=abc")]
    [InlineData("/api/events/orders/u1?asOf=yesterday")]
    [InlineData("/api/dead-letters?limit=1.5")]
    [InlineData("/api/audit?limit=x")]
    [InlineData("/api/jobs/j/parameters/history?limit=many")]
    [InlineData("/api/features/job/%01key")]
    [InlineData("/api/jobs/%01job/parameters")]
    public async Task Unparsable_or_invalid_values_are_400_problems(string path)
    {
        using var client = factory.CreateClient(PlatformFactory.Admin);
        using var response = await client.GetAsync(path);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_parameter_that_does_not_bind_is_named_in_the_problem()
    {
        using var client = factory.CreateClient(PlatformFactory.Admin);
        using var response = await client.GetAsync("/api/events/orders/u1/history?limit=abc");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "limit: 'abc' is not valid; give a whole number");
    }

    [Fact]
    public async Task An_overlong_key_is_a_400_problem()
    {
        using var client = factory.CreateClient(PlatformFactory.Admin);
        using var response = await client.GetAsync("/api/features/job/" + new string('k', 2000));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "1 to 1024 characters");
    }
}
