using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FeaturePlatform.FeatureApi.Auth;

/// <summary>Authenticates <c>X-Api-Key: key</c> or <c>Authorization: ApiKey key</c>; answers 401 as ProblemDetails.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyRegistry keys, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey(Request);
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var holder = keys.Find(key);
        if (holder is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not known."));
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, holder.Name) };
        claims.AddRange(holder.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var hasKey = ReadKey(Request) is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = SchemeName;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = hasKey ? "Unknown API key" : "API key required",
                Detail = hasKey
                    ? "The API key is not known."
                    : $"Send an API key in the {HeaderName} header or as 'Authorization: {SchemeName} <key>'.",
            },
        });
    }

    /// <summary>The key from <c>X-Api-Key</c>, else from <c>Authorization: ApiKey …</c>; null when neither is present.</summary>
    internal static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (!string.IsNullOrWhiteSpace(header))
        {
            return header.Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        const string prefix = SchemeName + " ";
        if (authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && authorization.Length > prefix.Length)
        {
            return authorization[prefix.Length..].Trim();
        }
        return null;
    }
}
