using FeaturePlatform.FeatureApi.Replay.Cli;
using FeaturePlatform.FeatureApi.Hosting;

if (args is ["replay", .. var rest])
{
    return await ReplayCommand.RunAsync(rest, Console.Out, Console.Error);
}

if (args.Length > 0 && FeaturePlatform.FeatureApi.Publishing.PublishCommands.Words.Contains(args[0]))
{
    return await FeaturePlatform.FeatureApi.Publishing.PublishCommands.RunAsync(args, Console.Out, Console.Error);
}

if (args is ["select", .. var selectArgs])
{
    return await FeaturePlatform.FeatureApi.Selection.SelectCommand.RunAsync(selectArgs, Console.Out, Console.Error);
}

if (args is ["worker", .. var workerArgs])
{
    // A runtime worker process: runs job logic for the host that started it (docs/workers.md).
    return await FeaturePlatform.Runtime.Workers.WorkerProcess.RunAsync(workerArgs, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults();

var app = builder.Build();
app.MapPlatformDefaults();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
