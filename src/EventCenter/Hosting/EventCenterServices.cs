using FeaturePlatform.EventCenter.Adapters.Embedded;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Adapters.HBase;
using FeaturePlatform.EventCenter.Adapters.SourceDatabases;
using FeaturePlatform.EventCenter.Adapters.Postgres;
using FeaturePlatform.EventCenter.MetadataStore;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Kafka;
using FeaturePlatform.EventCenter.Adapters.RabbitMq;
using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.EventCenter.Ingestion.Forwarding;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.SourceDb;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.EventStorage.Tiering;
using FeaturePlatform.EventCenter.Watermarks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>Registers the event center: stores, bus, event tables, watermarks, ingestion and forwarders.</summary>
public static class EventCenterServices
{
    /// <summary>
    /// Binds and validates <see cref="EventCenterSettings"/> from <paramref name="configuration"/> (section
    /// <c>EventCenter</c>) and registers everything; the ingest workers and forwarders run as hosted services.
    /// </summary>
    public static IServiceCollection AddEventCenter(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(EventCenterSettings.SectionName);
        var settings = section.Get<EventCenterSettings>() ?? new EventCenterSettings();
        return services.AddEventCenter(settings with { Sources = SourcesConfiguration.Read(section.GetSection("Sources")) });
    }

    /// <summary>
    /// Validates <paramref name="settings"/> and registers everything with them: the same graph as the configuration
    /// overload, for callers that hold settings already (the replay CLI, test harnesses, benchmarks).
    /// </summary>
    public static IServiceCollection AddEventCenter(this IServiceCollection services, EventCenterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new StorageFaultMonitor(sp.GetService<Microsoft.Extensions.Logging.ILogger<StorageFaultMonitor>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new SourceRegistry(settings.Sources));
        services.AddSingleton(settings.Metadata);
        AddMetadataStore(services, settings.Metadata);
        services.AddSingleton(sp => new SourceSync(sp.GetRequiredService<SourceRegistry>(), settings.Sources, sp.GetRequiredService<IMetadataStore>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SourceSync>>()));
        services.AddSingleton<Ingestion.Schema.SchemaObserver>();
        services.AddSingleton(sp => new Ingestion.Schema.SchemaFlusher(sp.GetRequiredService<Ingestion.Schema.SchemaObserver>(), sp.GetRequiredService<IMetadataStore>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SourceAdministration(sp.GetRequiredService<SourceRegistry>(), sp.GetRequiredService<SourceSync>(),
            sp.GetRequiredService<IMetadataStore>(), sp.GetRequiredService<IMessageBus>(),
            new SourceAdministrationOptions(settings.Bus.Kind == BusKind.Kafka, settings.TopicPartitions, settings.RabbitMqUri is not null,
                settings.SourceDatabases.Keys.ToHashSet(StringComparer.Ordinal))));
        AddStore(services, StoreRole.Hot, settings.Hot, Path.Combine(settings.DataDirectory, "hot"));
        AddStore(services, StoreRole.Cold, settings.Cold, Path.Combine(settings.DataDirectory, "cold"));
        AddBus(services, settings);
        services.AddSingleton(sp => new TieredEventStore(
            sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot),
            sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Cold),
            options: new TieringOptions { HotWindow = settings.HotWindow }));
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<TieredEventStore>());
        services.AddSingleton<IEventReader>(sp => sp.GetRequiredService<TieredEventStore>());
        services.AddSingleton<IWatermarkStore>(sp => new WatermarkStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot)));
        services.AddSingleton(sp => new TableDeadLetterStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot)));
        services.AddSingleton<IDeadLetterSink>(sp => sp.GetRequiredService<TableDeadLetterStore>());
        services.AddSingleton<IDeadLetterReader>(sp => sp.GetRequiredService<TableDeadLetterStore>());
        services.AddSingleton<WatermarkSignal>();
        services.AddSingleton(sp => new IngestCounters(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new IngestionProgress(sp.GetRequiredService<IngestCounters>(), sp.GetRequiredService<TimeProvider>(), settings.ProgressGrace));
        services.AddSingleton(sp => new ConsistencyWaiter(sp.GetRequiredService<IWatermarkStore>(), sp.GetRequiredService<WatermarkSignal>()));
        services.AddSingleton(sp => new MessageForwardService(
            sp.GetRequiredService<SourceRegistry>(), sp.GetRequiredService<IMessageBus>(), sp.GetRequiredService<TimeProvider>(), settings.Ingest.MaxEventTimeAhead));
        services.AddSourceDatabases(settings.SourceDatabases);
        services.AddSingleton(sp => new ConsistentFetcher(
            sp.GetRequiredService<IEventReader>(), sp.GetRequiredService<ConsistencyWaiter>(), sp.GetRequiredService<SourceRegistry>(),
            sp.GetRequiredService<IReadOnlyDictionary<string, ISourceDatabase>>(), sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new CorrectionAnnouncer(sp.GetRequiredService<IMessageBus>(), settings.Correction));
        services.AddSingleton(sp => new CorrectionRunner(
            sp.GetRequiredService<SourceRegistry>(), sp.GetRequiredService<IReadOnlyDictionary<string, ISourceDatabase>>(),
            new OfflineCorrection(sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<IWatermarkStore>(), sp.GetRequiredService<CorrectionAnnouncer>(),
                settings.Correction, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<WatermarkSignal>()),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IngestWorkerFactory>();
        services.AddSingleton<EventCenterStartup>();
        services.AddMetrics();
        services.AddSingleton(sp => new SourceProgressReader(sp.GetRequiredService<IWatermarkStore>(), sp.GetRequiredService<IMessageBus>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Diagnostics.EventCenterMetrics>();
        services.AddSingleton<Diagnostics.IMetricsRefresh>(sp => sp.GetRequiredService<Diagnostics.EventCenterMetrics>());
        services.AddHostedService(sp => sp.GetRequiredService<EventCenterStartup>());
        services.AddHostedService<SourceSyncService>();
        services.AddHostedService<SchemaFlushService>();
        services.AddHostedService<IngestService>();
        services.AddRabbitMqForwarders(settings.RabbitMqUri);
        services.AddHostedService<RetentionService>();
        services.AddHostedService<CorrectionService>();
        services.AddHostedService<CorrectionAnnouncementService>();
        services.AddHostedService<StorageProbeService>();
        return services;
    }

    /// <summary>The metadata store: PostgreSQL when configured, else a table of the hot store.</summary>
    private static void AddMetadataStore(IServiceCollection services, MetadataSettings metadata)
    {
        if (metadata.Kind == MetadataStoreKind.Postgres)
        {
            services.AddPostgresMetadataStore(metadata.ConnectionString!);
            return;
        }
        services.AddSingleton<IMetadataStore>(sp => new WideTableMetadataStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), clock: sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>The adapter a store role is configured with: embedded (SQLite) or HBase.</summary>
    private static void AddStore(IServiceCollection services, string role, StoreSettings store, string directory)
    {
        if (store.Kind == StoreKind.HBase)
        {
            services.AddHBaseStore(role, store.HBase);
            return;
        }
        services.AddEmbeddedStore(role, new EmbeddedStoreOptions { Directory = directory, MaxWalBytes = store.MaxWalBytes, MaxDatabaseBytes = store.MaxDatabaseBytes });
    }

    /// <summary>The adapter the bus is configured with: Kafka or embedded.</summary>
    private static void AddBus(IServiceCollection services, EventCenterSettings settings)
    {
        if (settings.Bus.Kind == BusKind.Kafka)
        {
            services.AddKafkaBus(settings.Bus.ToKafka());
            return;
        }
        services.AddEmbeddedBus(new EmbeddedBusOptions
        {
            Directory = Path.Combine(settings.DataDirectory, "bus"),
            MaxWalBytes = settings.Bus.MaxWalBytes,
            MaxDatabaseBytes = settings.Bus.MaxDatabaseBytes,
        });
    }
}

/// <summary>Service keys of the two stores.</summary>
public static class StoreRole
{
    /// <summary>The hot store.</summary>
    public const string Hot = "hot";

    /// <summary>The cold store.</summary>
    public const string Cold = "cold";
}
