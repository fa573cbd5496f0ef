using Microsoft.AspNetCore.Authorization;

namespace FeaturePlatform.FeatureApi.Auth;

/// <summary>Registers API-key authentication and the role policies.</summary>
public static class ApiAuthServices
{
    /// <summary>
    /// Binds <see cref="ApiKeySettings"/> (section <c>Auth</c>), registers the API-key scheme as the default and one
    /// policy per entry of <see cref="Roles.Policies"/>. Endpoints without a policy stay anonymous (health, metrics).
    /// </summary>
    public static WebApplicationBuilder AddApiAuth(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => new ApiKeyRegistry(
            sp.GetRequiredService<IConfiguration>().GetSection(ApiKeySettings.SectionName).Get<ApiKeySettings>() ?? new ApiKeySettings()));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(options =>
        {
            foreach (var (name, roles) in Roles.Policies)
            {
                options.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(roles));
            }
        });
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return builder;
    }
}
