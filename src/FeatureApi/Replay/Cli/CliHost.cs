using FeaturePlatform.Runtime.Hosting;

namespace FeaturePlatform.FeatureApi.Replay.Cli;

/// <summary>
/// What every replay command shares: the platform built as the host builds it (warnings and errors only, on stderr),
/// Ctrl+C as a clean interrupt (exit 130), and failures a user can fix as one line on stderr (exit 1).
/// </summary>
internal static class CliHost
{
    /// <summary>Runs <paramref name="command"/> on the started runtime; <paramref name="name"/> prefixes its messages.</summary>
    public static async Task<int> RunAsync(string name, string? jobsDirectory, TextWriter error, Func<ReplayServices, CancellationToken, Task<int>> command)
    {
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            // Warnings and errors only, on stderr: stdout is the command's own.
            builder.Configuration.AddInMemoryCollection([new("Logging:LogLevel:Default", "Warning"), new("Logging:LogLevel:FeaturePlatform", "Warning")]);
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            if (jobsDirectory is { } jobs)
            {
                builder.Configuration.AddInMemoryCollection([new($"{RuntimeSettings.SectionName}:{nameof(RuntimeSettings.JobsDirectory)}", jobs)]);
            }
            await using var runtime = await ReplayServices.StartAsync(builder, interrupt.Token);
            return await command(runtime, interrupt.Token);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            await error.WriteLineAsync($"{name}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            await error.WriteLineAsync($"{name}: interrupted");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
