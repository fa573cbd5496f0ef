using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.Runtime.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace FeaturePlatform.FeatureApi.Metrics;

/// <summary>Exports the platform's meters to Prometheus at <c>/metrics</c> through OpenTelemetry's exporter.</summary>
public static class MetricsExport
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>Registers the API's instruments and the OpenTelemetry meter provider with the Prometheus exporter.</summary>
    public static WebApplicationBuilder AddPlatformMetrics(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddSingleton<ScrapeRefresh>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("featureplatform"))
            .WithMetrics(metrics => metrics
                // The platform's meters and every adapter's (FeaturePlatform.HBase, .Kafka, .Embedded, .RabbitMq, .SourceDatabases).
                .AddMeter(EventCenterMetrics.MeterName, RuntimeMetrics.MeterName, ApiMetrics.MeterName, "FeaturePlatform.*")
                .OnlyThisHostsMeters()
                .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>
    /// Serves <c>/metrics</c> (anonymous, like health). Before each scrape the gauges that need I/O (watermarks, end
    /// offsets, job lags) are read, so the exporter's synchronous callbacks only read cached values.
    /// </summary>
    public static WebApplication UsePlatformMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.Services.GetRequiredService<ScrapeRefresh>(); // creates every instrument at start-up, not at the first scrape
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == Path,
            path: null,
            configureBranchedPipeline: branch => branch.Use(async (context, next) =>
            {
                await context.RequestServices.GetRequiredService<ScrapeRefresh>().RefreshAsync(context.RequestAborted);
                await next(context);
            }),
            optionsName: null);
        return app;
    }

    /// <summary>
    /// Exports only instruments of meters made by this host's <see cref="IMeterFactory"/>. Meters are process-wide and
    /// matched by name: without this, a second host in the same process (a test host, an embedded replay) would share
    /// this host's metric streams, and disposing that host would end them here too — /metrics would go blank.
    /// </summary>
    private static MeterProviderBuilder OnlyThisHostsMeters(this MeterProviderBuilder metrics)
    {
        var deferred = metrics as IDeferredMeterProviderBuilder
            ?? throw new InvalidOperationException("The meter provider must be built by the host (AddOpenTelemetry().WithMetrics).");
        deferred.Configure((services, builder) =>
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            builder.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, factory) ? null : MetricStreamConfiguration.Drop);
        });
        return metrics;
    }
}
