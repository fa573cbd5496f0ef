using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Adapters.Embedded.Bus;
using FeaturePlatform.EventCenter.Hosting;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.FeatureApi.Tests.Hosting;

/// <summary>
/// The real host (<see cref="PlatformFactory"/>) with fast storage probes and ingest retries, its log captured, and
/// its data either in the usual temporary folder (disk full simulated by the stores' and bus's size caps) or on
/// <paramref name="dataDirectory"/> (a small real file system).
/// </summary>
public sealed class DiskFullFactory(string? dataDirectory) : PlatformFactory
{
    public LogCapture Logs { get; } = new();

    public IReadOnlyList<EmbeddedWideTableStore> Stores =>
        [(EmbeddedWideTableStore)Services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Hot), (EmbeddedWideTableStore)Services.GetRequiredKeyedService<IWideTableStore>(StoreRole.Cold)];

    public EmbeddedMessageBus Bus => (EmbeddedMessageBus)Services.GetRequiredService<IMessageBus>();

    public string DataDirectory => Services.GetRequiredService<EventCenterSettings>().DataDirectory;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (dataDirectory is not null)
        {
            builder.UseSetting("EventCenter:DataDirectory", dataDirectory);
        }
        builder.UseSetting("EventCenter:StorageProbeInterval", "00:00:00.200");
        builder.UseSetting("EventCenter:Ingest:RetryDelay", "00:00:00.050");
        builder.UseSetting("EventCenter:Ingest:MaxRetryDelay", "00:00:00.500");
        // Through configuration too (validated at start); the test lowers the caps at run time.
        builder.UseSetting("EventCenter:Hot:MaxDatabaseBytes", "1073741824");
        builder.UseSetting("EventCenter:Bus:MaxWalBytes", "16777216");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>Every log entry of the host.</summary>
    public sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture capture, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    capture.Entries.Enqueue((category, logLevel, formatter(state, exception)));
                }
            }
        }
    }
}
