using FeaturePlatform.EventCenter.Consistency;
using FeaturePlatform.EventCenter.Watermarks;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Diagnostics;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Calls;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using FeaturePlatform.Runtime.Adapters.RabbitMq;
using FeaturePlatform.Runtime.OnlineStore;
using FeaturePlatform.Runtime.Selection;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>Registers the runtime: Python host, job registry, feature store, error log, parameters, calls, live jobs.</summary>
public static class RuntimeServices
{
    /// <summary>
    /// Binds and validates <see cref="RuntimeSettings"/> (section <c>Runtime</c>) and registers the runtime on top of
    /// the event center (<c>AddEventCenter</c> must be called too). Start-up, parameter sync and live jobs run as
    /// hosted services.
    /// </summary>
    public static IServiceCollection AddRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddRuntime(configuration.GetSection(RuntimeSettings.SectionName).Get<RuntimeSettings>() ?? new RuntimeSettings());
    }

    /// <summary>
    /// Validates <paramref name="settings"/> and registers the runtime with them: the same graph as the configuration
    /// overload, for callers that hold settings already (test harnesses, benchmarks).
    /// </summary>
    public static IServiceCollection AddRuntime(this IServiceCollection services, RuntimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        services.AddSingleton(settings);
        services.AddMetrics();
        services.AddSingleton<RuntimeMetrics>();
        services.AddSelection(settings);
        services.AddSingleton(sp => new JobErrorLog(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot)));
        services.AddSingleton(sp => new Quarantine.QuarantineLog(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Quarantine.EventQuarantine(sp.GetRequiredService<Quarantine.QuarantineLog>(), settings.Quarantine));
        services.AddSingleton<Quarantine.QuarantineRetry>();
        services.AddSingleton(sp => new JobSwitchStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot)));
        services.AddSingleton<ParameterSignal>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new JobVersionLog(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot)));
        services.AddHostedService<JobVersionFlushService>();
        services.AddSingleton(sp => new OutputFactory(
            sp.GetRequiredService<FeatureStore>(), sp.GetRequiredService<IMessageBus>(), sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<EventCenterSettings>().RabbitMqUri, sp.GetRequiredService<ILoggerFactory>(), settings.Outputs));
        // The one data source of the jobs' fetches (live, calls); replay runs take a run-scoped view of it.
        services.AddSingleton(sp => EventCenterDataSource.Create(
            sp.GetRequiredService<IEventReader>(), sp.GetRequiredService<ConsistentFetcher>(), sp.GetRequiredService<IWatermarkStore>(),
            settings.FetchTimeout, settings.ReplayStateCacheEntries));
        services.AddSingleton(sp => new Repair.ResultLog(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), settings.Repair, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Repair.ReadIndex(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), settings.Repair, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Repair.ComputationRecorder(sp.GetRequiredService<Repair.ResultLog>(), sp.GetRequiredService<Repair.ReadIndex>(), settings.Repair.Enabled,
            inFlight: new Repair.InFlightBatches(sp.GetRequiredService<TimeProvider>())));
        services.AddSingleton<Repair.RepairMetrics>();
        services.AddSingleton<Repair.RepairService>();
        services.AddHostedService(sp => sp.GetRequiredService<Repair.RepairService>());
        if (settings.Repair.Enabled && settings.RunLiveJobs)
        {
            // Offline corrections are announced by the event center; they are repaired here like late events.
            services.AddSingleton<EventCenter.Correction.ICorrectionListener, Repair.CorrectionRepair>();
        }
        services.AddSingleton<Parity.ParityMetrics>();
        services.AddSingleton<Parity.ParityService>();
        services.AddHostedService<Parity.CorrectionService>();
        services.AddSingleton<LoadedJobs>();
        services.AddSingleton(sp =>
        {
            var loaded = sp.GetRequiredService<LoadedJobs>();
            return new ParameterStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot),
                job => loaded.Jobs.FirstOrDefault(j => j.Name == job)?.Declaration, sp.GetRequiredService<ParameterSignal>());
        });
        services.AddSingleton<IParameterStore>(sp => sp.GetRequiredService<ParameterStore>());
        services.AddSingleton(sp =>
        {
            var loaded = sp.GetRequiredService<LoadedJobs>();
            return new ParameterSync(sp.GetRequiredService<IParameterStore>(), () => loaded.Jobs, sp.GetRequiredService<ILoggerFactory>().CreateLogger<ParameterSync>(),
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new Models.ModelRegistry(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot),
            settings.Models.ResolveDirectory(sp.GetRequiredService<EventCenterSettings>().DataDirectory), settings.Models.MaxArtifactBytes, sp.GetRequiredService<TimeProvider>()));
        // Job logic loads models (ctx.model) from the registry's directory, in this process and in worker processes.
        services.AddSingleton(sp => new Workers.WorkerSupervisor(settings.Workers, settings.Python with { ModelDirectory = sp.GetRequiredService<Models.ModelRegistry>().Directory },
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<RuntimeStartup>();
        services.AddSingleton<Replay.RunManagerFactory>();
        services.AddSingleton<Backfill.BackfillService>();
        services.AddSingleton<Slices.SliceService>();
        services.AddHostedService<Slices.DailySliceService>();
        services.AddHostedService(sp => sp.GetRequiredService<RuntimeStartup>());
        services.AddHostedService<ParameterSyncService>();
        services.AddSingleton(sp => new Jobs.Publishing.JobVersionStore(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Jobs.Publishing.IJobVersionSources>(sp => sp.GetRequiredService<Jobs.Publishing.JobVersionStore>());
        services.AddSingleton(sp => new Jobs.Publishing.PublishedVersionSync(sp.GetRequiredService<Jobs.Publishing.JobVersionStore>(),
            sp.GetRequiredService<Jobs.Publishing.IJobVersionSources>(), sp.GetRequiredService<IParameterStore>(), settings.Publishing,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<Jobs.Publishing.PublishedVersionSync>()));
        services.AddSingleton(sp => new Jobs.Publishing.JobPublisher(sp.GetRequiredService<Jobs.Publishing.JobVersionStore>(), settings.Publishing, settings.Outputs,
            new Jobs.Publishing.SandboxValidator(settings.Publishing, settings.Workers.MemoryLimitMb, settings.Workers.HeartbeatInterval)));
        services.AddHostedService<PublishingSyncService>();
        services.AddHostedService<ReplayWorkerService>();
        services.AddSingleton(sp => new CallLedger(sp.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), settings.Calls.ClaimLease, sp.GetRequiredService<TimeProvider>()));
        // Calls' times pass the checks of ingested events (EventCenter:Ingest:MaxEventTimeAhead).
        services.AddSingleton(sp => new EventTimeLimits(sp.GetRequiredService<EventCenterSettings>().Ingest.MaxEventTimeAhead));
        services.AddSingleton<CallCompletions>();
        services.AddSingleton<LocalCalls>();
        services.AddSingleton(sp =>
        {
            // Request–message answers go to Runtime:Calls:ReplyRabbitMqUri, else EventCenter:RabbitMqUri, else nowhere.
            var broker = settings.Calls.ReplyRabbitMqUri ?? sp.GetRequiredService<EventCenterSettings>().RabbitMqUri;
            return new CallReplies(broker is null ? null : new CallReplyPublisher(broker, sp.GetRequiredService<ILoggerFactory>().CreateLogger<CallReplyPublisher>(), sp.GetRequiredService<TimeProvider>()));
        });
        services.AddSingleton(sp =>
        {
            var startup = sp.GetRequiredService<RuntimeStartup>();
            var events = sp.GetRequiredService<IEventStore>();
            var errors = sp.GetRequiredService<JobErrorLog>();
            var sources = sp.GetRequiredService<SourceRegistry>();
            JobCaller NewCaller() => new(startup.Registry, events, startup.DataSource, errors, metrics: sp.GetRequiredService<RuntimeMetrics>(),
                clock: sp.GetRequiredService<TimeProvider>(), timeLimits: sp.GetRequiredService<EventTimeLimits>(), isBusSource: source => sources.Find(source) is not null,
                quarantine: sp.GetRequiredService<Quarantine.EventQuarantine>());
            // One caller once the runtime has started (its registry and data source are then fixed), not one per call.
            JobCaller? started = null;
            return new CallDispatcher(
                sp.GetRequiredService<IMessageBus>(), settings.Calls,
                () => startup.Ready.IsCompletedSuccessfully ? started ??= NewCaller() : NewCaller(),
                job => startup.Jobs.FirstOrDefault(j => j.Name == job),
                events, sp.GetRequiredService<CallLedger>(), sp.GetRequiredService<CallCompletions>(),
                sp.GetRequiredService<CallReplies>().Publisher is not null, sp.GetRequiredService<LocalCalls>(), sp.GetRequiredService<CallReplies>().Publisher);
        });
        services.AddHostedService<CallWorkerService>();
        services.AddSingleton<LiveJobsService>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveJobsService>());
        services.AddSingleton<LiveJobMetrics>();
        services.AddSingleton<IMetricsRefresh>(sp => sp.GetRequiredService<LiveJobMetrics>());
        return services;
    }
}
