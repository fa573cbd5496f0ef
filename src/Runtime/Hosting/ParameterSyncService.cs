using FeaturePlatform.Runtime.Parameters;
using Microsoft.Extensions.Hosting;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>Keeps this process's jobs on the stored parameter values (poll + local signal).</summary>
internal sealed class ParameterSyncService(RuntimeSettings settings, RuntimeStartup startup, ParameterSync sync, ParameterSignal signal) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await startup.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception) when (startup.Ready.IsFaulted)
        {
            // Start-up logged why; readiness reports it. The host stays up.
            return;
        }
        await sync.RunAsync(signal, settings.ParameterPollInterval, stoppingToken);
    }
}
