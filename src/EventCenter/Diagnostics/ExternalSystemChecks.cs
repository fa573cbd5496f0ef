using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.EventCenter.Diagnostics;

/// <summary>Health-check tags, and how an adapter registers the check of its external system.</summary>
public static class ExternalSystemChecks
{
    /// <summary>Checks that must pass before the host takes traffic (readiness).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Checks of an external system (one per system): their details are shown in the readiness JSON.</summary>
    public const string ExternalTag = "external";

    /// <summary>How long one external system's check may take before it counts as failed. 5 s.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Registers <paramref name="name"/>'s readiness check of an external system, made by <paramref name="create"/>.</summary>
    public static IServiceCollection AddExternalSystemCheck(this IServiceCollection services, string name, Func<IServiceProvider, IHealthCheck> create)
    {
        services.AddHealthChecks().Add(new HealthCheckRegistration(name, create, null, [ReadyTag, ExternalTag], Timeout));
        return services;
    }
}
