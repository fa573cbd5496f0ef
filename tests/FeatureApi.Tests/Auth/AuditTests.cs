using System.Net;
using System.Text.Json;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Auth;

public sealed class AuditTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Writes_are_audited_with_who_what_and_outcome_including_refused_ones()
    {
        var user = $"audit-{Guid.NewGuid():N}";
        using (var author = factory.CreateClient(PlatformFactory.Author))
        using (var ok = await author.PostAsync("/api/sources/orders/messages", Json($$"""{"user_id":"{{user}}","created_at":1767225600000}""")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var reader = factory.CreateClient(PlatformFactory.Reader))
        using (var refused = await reader.PostAsync("/api/corrections/orders", Json("")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var anonymous = factory.CreateClient())
        using (var unauthenticated = await anonymous.PostAsync("/api/sources/orders/messages", Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        }
        using (var reader = factory.CreateClient(PlatformFactory.Reader))
        using (var read = await reader.GetAsync("/api/sources"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using var admin = factory.CreateClient(PlatformFactory.Admin);
        var records = (await ReadJsonAsync(await admin.GetAsync("/api/audit?limit=1000"))).EnumerateArray().ToList();
        Assert.Contains(records, r => Is(r, "demo-author", "POST", "/api/sources/orders/messages", 200, "succeeded")
            && r.GetProperty("route").GetString() == "/api/sources/{source}/messages" && r.GetProperty("at").GetInt64() > 0);
        Assert.Contains(records, r => Is(r, "demo-reader", "POST", "/api/corrections/orders", 403, "forbidden"));
        Assert.Contains(records, r => Is(r, "anonymous", "POST", "/api/sources/orders/messages", 401, "unauthenticated"));
        Assert.DoesNotContain(records, r => r.GetProperty("method").GetString() == "GET");
        var times = records.Select(r => r.GetProperty("at").GetInt64()).ToList();
        Assert.Equal(times.OrderDescending(), times);

        var onlyReader = (await ReadJsonAsync(await admin.GetAsync("/api/audit?actor=demo-reader"))).EnumerateArray().ToList();
        Assert.NotEmpty(onlyReader);
        Assert.All(onlyReader, r => Assert.Equal("demo-reader", r.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task The_audit_log_is_for_admins_only()
    {
        foreach (var key in new[] { PlatformFactory.Reader, PlatformFactory.Operator, PlatformFactory.Reviewer, PlatformFactory.Author })
        {
            using var client = factory.CreateClient(key);
            using var response = await client.GetAsync("/api/audit");
            await AssertProblemAsync(response, HttpStatusCode.Forbidden, "admin");
        }
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        using var bad = await admin.GetAsync("/api/audit?limit=0");
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "limit");
    }

    private static bool Is(JsonElement r, string actor, string method, string path, int status, string outcome) =>
        r.GetProperty("actor").GetString() == actor && r.GetProperty("method").GetString() == method && r.GetProperty("path").GetString() == path
        && r.GetProperty("status").GetInt32() == status && r.GetProperty("outcome").GetString() == outcome;
}
