using FeaturePlatform.FeatureApi.Audit;
using FeaturePlatform.FeatureApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>The audit log of writes, for admins.</summary>
public static class AuditApi
{
    /// <summary>Maps <c>/api/audit</c>.</summary>
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Roles.AdminPolicy);
        group.MapGet("/", RecentAsync).WithSummary("Recent audited writes, newest first (role admin); actor= filters by key holder");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<AuditRecord>>, ProblemHttpResult>> RecentAsync(int? limit, string? actor, AuditLog log, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is <= 0 or > 1000)
        {
            return JsonBody.BadRequest("limit must be 1..1000.", "Bad limit");
        }
        return TypedResults.Ok(await log.RecentAsync(take, actor, cancellationToken));
    }
}
