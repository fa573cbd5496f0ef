namespace FeaturePlatform.Benchmarks.Harness;

/// <summary>
/// A named benchmark: measures the project and a baseline in the same run and reports each measurement
/// with its baseline and their ratio.
/// </summary>
public interface IBenchmarkScenario
{
    /// <summary>Name used on the command line and for the results file, e.g. "kafka-mock".</summary>
    string Name { get; }

    /// <summary>One line: what is measured against what.</summary>
    string Description { get; }

    /// <summary>Runs the scenario. <see cref="ScenarioContext.Quick"/> asks for a smaller, faster run (CI smoke).</summary>
    Task<IReadOnlyList<Measurement>> RunAsync(ScenarioContext context);
}

/// <summary>What a scenario gets from the harness.</summary>
/// <param name="Quick">Smaller sizes for a fast smoke run; figures are then indicative only.</param>
/// <param name="Log">Progress lines for the console.</param>
/// <param name="CancellationToken">Cancelled on Ctrl+C.</param>
public sealed record ScenarioContext(bool Quick, Action<string> Log, CancellationToken CancellationToken);
