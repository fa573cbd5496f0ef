using System.Security.Claims;
using FeaturePlatform.FeatureApi.Auth;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>Who the caller's API key is: lets the UI show the key's name and roles.</summary>
public static class MeApi
{
    /// <summary>The caller.</summary>
    /// <param name="Name">The key's name.</param>
    /// <param name="Roles">Its roles.</param>
    /// <param name="Can">
    /// The authorization policies its roles satisfy (<c>read</c>, <c>forward</c>, <c>operate</c>, <c>review</c>, <c>author</c>,
    /// <c>backtest</c>, <c>admin</c>): the UI shows only the controls the caller may use. The server still checks every call.
    /// </param>
    public sealed record MeJson(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Can);

    /// <summary>Maps <c>GET /api/me</c>.</summary>
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", (ClaimsPrincipal user) => TypedResults.Ok(new MeJson(user.Identity!.Name!,
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
                Roles.Policies.Where(p => p.Value.Any(user.IsInRole)).Select(p => p.Key).ToList())))
            .WithTags("Auth").WithSummary("The caller's key name, roles and the policies they satisfy (what the caller may do)").RequireAuthorization(Roles.ReadPolicy);
        return app;
    }
}
