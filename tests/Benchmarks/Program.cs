using FeaturePlatform.Benchmarks;
using FeaturePlatform.Benchmarks.Harness;

// dotnet run -c Release --project tests/Benchmarks -- <scenario|all|list> [--quick]
if (args.Length > 0 && args[0] == FeaturePlatform.Benchmarks.Scenarios.Runtime.RuntimeScaleOutScenario.WorkerFlag)
{
    // A child process of the runtime-scaleout scenario.
    return await FeaturePlatform.Benchmarks.Scenarios.Runtime.RuntimeScaleOutScenario.WorkerAsync(args[1..]);
}

var quick = args.Contains("--quick");
var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var scenarios = ScenarioRegistry.All;

if (names.Count == 0 || names[0] == "list")
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/Benchmarks -- <scenario|all> [--quick]");
    Console.WriteLine();
    foreach (var s in scenarios)
    {
        Console.WriteLine($"  {s.Name,-24} {s.Description}");
    }
    return names.Count == 0 ? 1 : 0;
}

var selected = names[0] == "all" ? scenarios : names.Select(n => scenarios.FirstOrDefault(s => s.Name == n)
    ?? throw new ArgumentException($"Unknown scenario '{n}'. Run with 'list' to see them.")).ToList();

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var resultsDirectory = ResultsWriter.ResultsDirectory(ProjectDirectory.Find());
foreach (var scenario in selected)
{
    Console.WriteLine($"== {scenario.Name}{(quick ? " (quick)" : "")}: {scenario.Description}");
    var context = new ScenarioContext(quick, line => Console.WriteLine($"   {line}"), cts.Token);
    var measurements = await scenario.RunAsync(context);
    Console.WriteLine(ResultsWriter.FormatTable(measurements));
    Console.WriteLine($"-> {ResultsWriter.Write(resultsDirectory, scenario.Name, measurements)}");
}
return 0;
