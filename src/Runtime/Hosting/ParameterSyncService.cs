using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Hosting;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>Keeps this process's jobs on the stored parameter values (poll + local signal).</summary>
internal sealed class ParameterSyncService(RuntimeSettings settings, RuntimeStartup startup, ParameterSync sync, ParameterSignal signal) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await startup.WaitStartedAsync(stoppingToken))
        {
            return;
        }
        await sync.RunAsync(signal, settings.ParameterPollInterval, stoppingToken);
    }
}
