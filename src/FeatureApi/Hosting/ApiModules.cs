using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.FeatureApi.Audit;
using FeaturePlatform.FeatureApi.Replay.Backtests;
using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.FeatureApi.Metrics;
using FeaturePlatform.FeatureApi.Parameters;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>The API host's own services and middleware: audit, metrics, feature look-ups, parameter workflow, OpenAPI.</summary>
public static class ApiModules
{
    /// <summary>Registers the API modules' services (the event center and the runtime must be registered too: the feature store and the error log are the runtime's).</summary>
    public static WebApplicationBuilder AddApiModules(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), logger: sp.GetRequiredService<ILogger<AuditLog>>()));
        services.AddSingleton(sp => new ProposalStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<JobCatalog>();
        services.TryAddSingleton<Catalog.JobReads>();
        services.TryAddSingleton<Catalog.CatalogService>();
        services.TryAddSingleton<Catalog.ICatalogModels, Catalog.RegistryCatalogModels>();
        services.TryAddSingleton<BacktestRunner>();
        services.TryAddSingleton<JobRegistryParameters>();
        services.TryAddSingleton<IParameterDefinitions>(sp => sp.GetRequiredService<JobRegistryParameters>());
        services.TryAddSingleton<IParameterApplier>(sp => sp.GetRequiredService<JobRegistryParameters>());
        builder.AddPlatformMetrics();
        services.AddHostedService<ApiStartup>();
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<OpenApi.OperationDocs>();
            options.AddSchemaTransformer<OpenApi.TimeSchemas>();
        });
        // Numbers are numbers: the web defaults also read them from strings, which types every integer of the
        // OpenAPI document as ["integer", "string"] with a pattern. (Bodies are read by the handlers with their own options.)
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        BadRequests.Configure(services);
        StorageFaultProblems.Configure(services);
        return builder;
    }

    /// <summary>
    /// Adds the middleware in order: metrics (times everything), authentication, audit (sees refused writes too),
    /// authorization.
    /// </summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UsePlatformMetrics();
        app.UseMiddleware<MetricsMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<AuditMiddleware>();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Maps <c>/metrics</c> (anonymous, like health), <c>/openapi/v1.json</c> and the Swagger UI at <c>/swagger</c>.</summary>
    public static WebApplication MapApiDocsAndMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "FeaturePlatform v1");
            options.RoutePrefix = "swagger";
        });
        return app;
    }
}
