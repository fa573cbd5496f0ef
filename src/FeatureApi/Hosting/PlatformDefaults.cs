using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
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
    public const string ReadyTag = "ready";

    /// <summary>Registers the platform's services, health checks and options.</summary>
    public static WebApplicationBuilder AddPlatformDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddProblemDetails();
        builder.Services.AddEventCenter(builder.Configuration);
        builder.AddApiAuth();
        builder.AddApiModules();
        builder.Services.AddRuntime(builder.Configuration);
        var checks = builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<EventCenterHealthCheck>("event-center", tags: [ReadyTag])
            .AddCheck<IngestionHealthCheck>("ingestion", tags: [ReadyTag])
            .AddCheck<RuntimeHealthCheck>("runtime", tags: [ReadyTag]);
        AddExternalSystemChecks(checks, builder.Configuration.GetSection(EventCenterSettings.SectionName).Get<EventCenterSettings>() ?? new EventCenterSettings());
        return builder;
    }

    /// <summary>One readiness entry per external system: each store, the bus, the RabbitMQ broker and the source databases when configured.</summary>
    private static void AddExternalSystemChecks(IHealthChecksBuilder checks, EventCenterSettings settings)
    {
        var timeout = TimeSpan.FromSeconds(5);
        checks.Add(new HealthCheckRegistration("hot-store",
            sp => new StoreHealthCheck(sp.GetRequiredService<TieredEventStore>(), settings.Hot, hot: true), null, [ReadyTag, PlatformDefaultsTags.External], timeout));
        checks.Add(new HealthCheckRegistration("cold-store",
            sp => new StoreHealthCheck(sp.GetRequiredService<TieredEventStore>(), settings.Cold, hot: false), null, [ReadyTag, PlatformDefaultsTags.External], timeout));
        checks.Add(new HealthCheckRegistration("bus",
            sp => new BusHealthCheck(sp.GetRequiredService<IMessageBus>(), settings.Bus, sp.GetRequiredService<SourceRegistry>()), null, [ReadyTag, PlatformDefaultsTags.External], timeout));
        if (settings.RabbitMqUri is { } broker)
        {
            checks.Add(new HealthCheckRegistration("rabbitmq",
                sp => new RabbitMqHealthCheck(broker, sp.GetRequiredService<IngestionProgress>()), null, [ReadyTag, PlatformDefaultsTags.External], timeout));
        }
        if (settings.SourceDatabases.Count > 0)
        {
            checks.Add(new HealthCheckRegistration("source-databases",
                sp => new SourceDatabasesHealthCheck(sp.GetRequiredService<IReadOnlyDictionary<string, ISourceDatabase>>()), null, [ReadyTag, PlatformDefaultsTags.External], timeout));
        }
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
        app.MapEventCenterApi();
        app.MapFeaturesApi();
        app.MapJobsApi();
        app.MapBacktestsApi();
        app.MapParametersApi();
        app.MapMeApi();
        app.MapAuditApi();
        app.MapRequestsApi();
        app.MapBaselineApi(app.Configuration);
        app.MapApiDocsAndMetrics();
        return app;
    }
}
