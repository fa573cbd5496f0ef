using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace FeaturePlatform.FeatureApi.Auth;

/// <summary>Answers a missing role with a 403 ProblemDetails that names the roles needed and the roles held.</summary>
internal sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        // The endpoint's policy combines the group's (any role) with its own; name only the requirement that failed.
        var failed = authorizeResult.AuthorizationFailure?.FailedRequirements ?? policy.Requirements;
        var needed = failed.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToList();
        var held = context.User.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value).ToList();
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Missing role",
                Detail = $"This needs one of the roles {string.Join(", ", needed)}; the key of '{context.User.Identity?.Name}' has {(held.Count == 0 ? "none" : string.Join(", ", held))}.",
            },
        });
    }
}
