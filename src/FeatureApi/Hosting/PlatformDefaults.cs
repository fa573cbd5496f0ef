using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.FeatureApi.Apis;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Health;
using FeaturePlatform.Runtime.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// The one composition point of the host (eShop's AddServiceDefaults): every module registers here so
/// <c>Program.cs</c> stays short.
/// </summary>
public static class PlatformDefaults
{
    /// <summary>Tag of health checks that must pass before the host takes traffic.</summary>
    public const string ReadyTag = ExternalSystemChecks.ReadyTag;

    /// <summary>Registers the platform's services, health checks and options.</summary>
    public static WebApplicationBuilder AddPlatformDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AppSettingsFallback.Apply(builder);
        HostRoles.Apply(builder); // before the event center and the runtime read their settings
        builder.Services.AddProblemDetails();
        builder.Services.AddEventCenter(builder.Configuration);
        builder.AddApiAuth();
        builder.AddApiModules();
        builder.Services.AddRuntime(builder.Configuration);
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<EventCenterHealthCheck>("event-center", tags: [ReadyTag])
            .AddCheck<IngestionHealthCheck>("ingestion", tags: [ReadyTag])
            .AddCheck<RuntimeHealthCheck>("runtime", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>Maps the platform's endpoints: health first, then each API module.</summary>
    public static WebApplication MapPlatformDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebUi();
        app.UseApiPipeline();
        app.MapHealthChecks("/health/live", new() { Predicate = check => check.Tags.Contains("live") });
        // Readiness answers JSON naming each check's status and cause (Degraded still answers 200: the API serves).
        app.MapHealthChecks("/health/ready", new()
        {
            Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains("live"),
            ResponseWriter = Health.HealthJsonWriter.WriteAsync,
        });
        app.MapMessageForwardApi();
        app.MapSourcesAdminApi();
        app.MapCatalogApi();
        app.MapEventCenterApi();
        app.MapFeaturesApi();
        app.MapSelectionApi();
        app.MapJobsApi();
        app.MapQuarantineApi();
        app.MapBacktestsApi();
        app.MapParityApi();
        app.MapBackfillsApi();
        app.MapSlicesApi();
        app.MapParametersApi();
        app.MapPublishingApi();
        app.MapModelsApi();
        app.MapMeApi();
        app.MapAuditApi();
        app.MapRequestsApi();
        app.MapBaselineApi(app.Configuration);
        app.MapApiDocsAndMetrics();
        return app;
    }
}
