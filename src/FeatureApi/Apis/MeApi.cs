using System.Security.Claims;
using FeaturePlatform.FeatureApi.Auth;

namespace FeaturePlatform.FeatureApi.Apis;

/// <summary>Who the caller's API key is: lets the UI show the key's name and roles.</summary>
public static class MeApi
{
    /// <summary>The caller.</summary>
    /// <param name="Name">The key's name.</param>
    /// <param name="Roles">Its roles.</param>
    public sealed record MeJson(string Name, IReadOnlyList<string> Roles);

    /// <summary>Maps <c>GET /api/me</c>.</summary>
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", (ClaimsPrincipal user) => TypedResults.Ok(new MeJson(user.Identity!.Name!,
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList())))
            .WithTags("Auth").WithSummary("The caller's key name and roles").RequireAuthorization(Roles.ReadPolicy);
        return app;
    }
}
