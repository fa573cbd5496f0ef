using System.Net;
using FeaturePlatform.Testing.Infrastructure;
using static FeaturePlatform.FeatureApi.Tests.TestHttp;

namespace FeaturePlatform.FeatureApi.Tests.Parameters;

/// <summary>Propose → review by another user → applied; refusals of self-review, double review and invalid values.</summary>
public sealed class ParameterWorkflowTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Definitions_list_type_bounds_choices_description_default_and_current_value()
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        using var reader = factory.CreateClient(PlatformFactory.Reader);
        var body = await ReadJsonAsync(await reader.GetAsync($"/api/jobs/{job}/parameters"));
        var threshold = body.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "threshold");
        Assert.Equal("float", threshold.GetProperty("type").GetString());
        Assert.Equal(0, threshold.GetProperty("min").GetDouble());
        Assert.Equal(1, threshold.GetProperty("max").GetDouble());
        Assert.Equal(0.5, threshold.GetProperty("default").GetDouble());
        Assert.Equal(0.5, threshold.GetProperty("current").GetDouble());
        Assert.Equal("Score above which a user is flagged.", threshold.GetProperty("description").GetString());
        var mode = body.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "mode");
        Assert.Equal(["strict", "lenient"], mode.GetProperty("choices").EnumerateArray().Select(c => c.GetString()));

        using var unknown = await reader.GetAsync("/api/jobs/no-such-job/parameters");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "no job 'no-such-job'");
    }

    [Fact]
    public async Task A_proposal_approved_by_another_reviewer_is_applied_and_shows_in_history()
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        using var operatorClient = factory.CreateClient(PlatformFactory.Operator);
        using var reviewer = factory.CreateClient(PlatformFactory.Reviewer);

        var proposal = await ReadJsonAsync(await operatorClient.PostAsync($"/api/jobs/{job}/parameters/proposals",
            Json("""{"values":{"threshold":0.8,"window_days":60,"mode":"lenient","enabled":false},"reason":"fewer false positives"}""")), HttpStatusCode.Created);
        var id = proposal.GetProperty("id").GetString();
        Assert.Equal("Pending", proposal.GetProperty("state").GetString());
        Assert.Equal("demo-operator", proposal.GetProperty("proposedBy").GetString());
        Assert.Equal(0.5, proposal.GetProperty("previous").GetProperty("threshold").GetDouble());
        Assert.DoesNotContain(factory.Jobs.Applied, a => a.Job == job);

        var pending = await ReadJsonAsync(await reviewer.GetAsync($"/api/jobs/{job}/parameters/proposals"));
        Assert.Equal([id], pending.EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        var approved = await ReadJsonAsync(await reviewer.PostAsync($"/api/jobs/{job}/parameters/proposals/{id}/approve", Json("""{"reason":"looks right"}""")));
        Assert.Equal("Approved", approved.GetProperty("state").GetString());
        Assert.Equal("demo-reviewer", approved.GetProperty("reviewedBy").GetString());
        Assert.True(approved.GetProperty("appliedAt").GetInt64() > 0);

        var applied = Assert.Single(factory.Jobs.Applied, a => a.Job == job);
        Assert.Equal(0.8, applied.Values["threshold"]);
        Assert.Equal(60L, applied.Values["window_days"]);
        Assert.Equal("lenient", applied.Values["mode"]);
        Assert.Equal(false, applied.Values["enabled"]);
        Assert.Contains("demo-reviewer", applied.ChangedBy, StringComparison.Ordinal);
        Assert.Contains("fewer false positives", applied.Reason, StringComparison.Ordinal);

        var current = await ReadJsonAsync(await reviewer.GetAsync($"/api/jobs/{job}/parameters"));
        Assert.Equal(0.8, current.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "threshold").GetProperty("current").GetDouble());

        var history = await ReadJsonAsync(await reviewer.GetAsync($"/api/jobs/{job}/parameters/history"));
        var entry = Assert.Single(history.EnumerateArray());
        Assert.Equal("demo-operator", entry.GetProperty("proposedBy").GetString());
        Assert.Equal("demo-reviewer", entry.GetProperty("reviewedBy").GetString());
        Assert.Equal("fewer false positives", entry.GetProperty("reason").GetString());
        Assert.Equal("looks right", entry.GetProperty("reviewReason").GetString());
        Assert.True(entry.GetProperty("reviewedAt").GetInt64() >= entry.GetProperty("proposedAt").GetInt64());
        Assert.Empty((await ReadJsonAsync(await reviewer.GetAsync($"/api/jobs/{job}/parameters/proposals"))).EnumerateArray());
    }

    [Fact]
    public async Task A_rejected_proposal_is_not_applied_and_rejecting_needs_a_reason()
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        var id = await ProposeAsync(job, PlatformFactory.Operator, """{"values":{"threshold":0.9},"reason":"try"}""");
        using var reviewer = factory.CreateClient(PlatformFactory.Reviewer);
        using var noReason = await reviewer.PostAsync($"/api/jobs/{job}/parameters/proposals/{id}/reject", Json("{}"));
        await AssertProblemAsync(noReason, HttpStatusCode.BadRequest, "required to reject");
        var rejected = await ReadJsonAsync(await reviewer.PostAsync($"/api/jobs/{job}/parameters/proposals/{id}/reject", Json("""{"reason":"too strict"}""")));
        Assert.Equal("Rejected", rejected.GetProperty("state").GetString());
        Assert.DoesNotContain(factory.Jobs.Applied, a => a.Job == job);

        using var again = await reviewer.PostAsync($"/api/jobs/{job}/parameters/proposals/{id}/approve", Json("{}"));
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "already rejected by 'demo-reviewer'");
        var history = await ReadJsonAsync(await reviewer.GetAsync($"/api/jobs/{job}/parameters/history"));
        Assert.Equal("too strict", Assert.Single(history.EnumerateArray()).GetProperty("reviewReason").GetString());
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("reject")]
    public async Task The_proposer_cannot_review_their_own_proposal(string action)
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        var id = await ProposeAsync(job, PlatformFactory.OperatorReviewer, """{"values":{"window_days":7},"reason":"shorter"}""");
        using var self = factory.CreateClient(PlatformFactory.OperatorReviewer);
        using var response = await self.PostAsync($"/api/jobs/{job}/parameters/proposals/{id}/{action}", Json("""{"reason":"mine"}"""));
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "'operator-reviewer' proposed this change and cannot review it");

        var adminId = await ProposeAsync(job, PlatformFactory.Admin, """{"values":{"window_days":8},"reason":"admin too"}""");
        using var admin = factory.CreateClient(PlatformFactory.Admin);
        using var adminSelf = await admin.PostAsync($"/api/jobs/{job}/parameters/proposals/{adminId}/{action}", Json("""{"reason":"mine"}"""));
        await AssertProblemAsync(adminSelf, HttpStatusCode.Forbidden, "cannot review it");
        Assert.DoesNotContain(factory.Jobs.Applied, a => a.Job == job);

        using var reader = factory.CreateClient(PlatformFactory.Reader);
        var pending = await ReadJsonAsync(await reader.GetAsync($"/api/jobs/{job}/parameters/proposals"));
        Assert.Equal(2, pending.GetArrayLength());
    }

    [Fact]
    public async Task Of_two_reviewers_approving_at_once_exactly_one_wins_and_the_change_is_applied_once()
    {
        for (var round = 0; round < 5; round++)
        {
            var job = factory.Jobs.AddJob(UniqueName.For("risk"));
            var id = await ProposeAsync(job, PlatformFactory.Operator, """{"values":{"threshold":0.25},"reason":"race"}""");
            using var first = factory.CreateClient(PlatformFactory.Reviewer);
            using var second = factory.CreateClient(PlatformFactory.SecondReviewer);
            var path = $"/api/jobs/{job}/parameters/proposals/{id}/approve";
            var responses = await Task.WhenAll(first.PostAsync(path, Json("{}")), second.PostAsync(path, content: null));
            var statuses = responses.Select(r => r.StatusCode).Order().ToList();
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses);
            var loser = responses.Single(r => r.StatusCode == HttpStatusCode.Conflict);
            await AssertProblemAsync(loser, HttpStatusCode.Conflict, "already approved by");
            Assert.Single(factory.Jobs.Applied, a => a.Job == job);
            foreach (var r in responses)
            {
                r.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_approval_whose_apply_fails_is_a_500_problem_and_the_error_is_kept_on_the_proposal()
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        factory.Jobs.FailingJobs[job] = "parameter store unavailable";
        var id = await ProposeAsync(job, PlatformFactory.Operator, """{"values":{"threshold":0.3},"reason":"r"}""");
        using var reviewer = factory.CreateClient(PlatformFactory.Reviewer);
        using var response = await reviewer.PostAsync($"/api/jobs/{job}/parameters/proposals/{id}/approve", Json("{}"));
        await AssertProblemAsync(response, HttpStatusCode.InternalServerError, "approved but applying it to job");
        var proposal = await ReadJsonAsync(await reviewer.GetAsync($"/api/jobs/{job}/parameters/proposals/{id}"));
        Assert.Equal("Approved", proposal.GetProperty("state").GetString());
        Assert.Equal("parameter store unavailable", proposal.GetProperty("applyError").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, proposal.GetProperty("appliedAt").ValueKind);
    }

    [Theory]
    [InlineData("""{"values":{"threshold":1.5},"reason":"r"}""", "'threshold' = 1.5 is above its maximum 1")]
    [InlineData("""{"values":{"threshold":-0.1},"reason":"r"}""", "'threshold' = -0.1 is below its minimum 0")]
    [InlineData("""{"values":{"threshold":"high"},"reason":"r"}""", "'threshold' must be a number; got \"high\"")]
    [InlineData("""{"values":{"window_days":2.5},"reason":"r"}""", "'window_days' must be an integer; got 2.5")]
    [InlineData("""{"values":{"window_days":0},"reason":"r"}""", "'window_days' = 0 is below its minimum 1")]
    [InlineData("""{"values":{"mode":"wild"},"reason":"r"}""", "'mode' = \"wild\" is not one of its choices: \"strict\", \"lenient\"")]
    [InlineData("""{"values":{"enabled":"yes"},"reason":"r"}""", "'enabled' must be true or false")]
    [InlineData("""{"values":{"nope":1},"reason":"r"}""", "'nope' is not a parameter of this job; declared: threshold, window_days, mode, enabled")]
    public async Task Invalid_values_are_refused_with_a_clear_validation_problem(string body, string message)
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        using var client = factory.CreateClient(PlatformFactory.Operator);
        using var response = await client.PostAsync($"/api/jobs/{job}/parameters/proposals", Json(body));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, message);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), problem.ToString());
        Assert.Empty((await ReadJsonAsync(await client.GetAsync($"/api/jobs/{job}/parameters/proposals?state=all"))).EnumerateArray());
    }

    [Theory]
    [InlineData("""{"values":{},"reason":"r"}""", HttpStatusCode.BadRequest, "Propose 1 to 100 values")]
    [InlineData("""{"values":{"threshold":0.2},"reason":" "}""", HttpStatusCode.BadRequest, "A reason")]
    [InlineData("""{"values":{"threshold":0.2}}""", HttpStatusCode.BadRequest, "reason")]
    [InlineData("""{"values":{"threshold":0.2},"reason":"r","extra":1}""", HttpStatusCode.BadRequest, "extra")]
    [InlineData("""{"values":""", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("", HttpStatusCode.BadRequest, "empty")]
    [InlineData("null", HttpStatusCode.BadRequest, "null")]
    [InlineData("[1,2]", HttpStatusCode.BadRequest, "must be a JSON object with the fields values, reason, effectiveAt")]
    public async Task Malformed_proposals_get_400_problem_details(string body, HttpStatusCode status, string message)
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        using var client = factory.CreateClient(PlatformFactory.Operator);
        using var response = await client.PostAsync($"/api/jobs/{job}/parameters/proposals", Json(body));
        await AssertProblemAsync(response, status, message);
    }

    [Fact]
    public async Task Unknown_jobs_and_proposals_get_404_and_bad_filters_400()
    {
        var job = factory.Jobs.AddJob(UniqueName.For("risk"));
        using var operatorClient = factory.CreateClient(PlatformFactory.Operator);
        using var noJob = await operatorClient.PostAsync("/api/jobs/ghost/parameters/proposals", Json("""{"values":{"threshold":0.2},"reason":"r"}"""));
        await AssertProblemAsync(noJob, HttpStatusCode.NotFound, "no job 'ghost'");
        using var reviewer = factory.CreateClient(PlatformFactory.Reviewer);
        using var noProposal = await reviewer.PostAsync($"/api/jobs/{job}/parameters/proposals/nothing/approve", Json("{}"));
        await AssertProblemAsync(noProposal, HttpStatusCode.NotFound, "has no proposal 'nothing'");
        using var get = await reviewer.GetAsync($"/api/jobs/{job}/parameters/proposals/nothing");
        await AssertProblemAsync(get, HttpStatusCode.NotFound);
        using var badState = await reviewer.GetAsync($"/api/jobs/{job}/parameters/proposals?state=weird");
        await AssertProblemAsync(badState, HttpStatusCode.BadRequest, "state must be");
        using var badLimit = await reviewer.GetAsync($"/api/jobs/{job}/parameters/history?limit=5000");
        await AssertProblemAsync(badLimit, HttpStatusCode.BadRequest, "limit");
    }

    private async Task<string> ProposeAsync(string job, string key, string body)
    {
        using var client = factory.CreateClient(key);
        var proposal = await ReadJsonAsync(await client.PostAsync($"/api/jobs/{job}/parameters/proposals", Json(body)), HttpStatusCode.Created);
        return proposal.GetProperty("id").GetString()!;
    }
}
