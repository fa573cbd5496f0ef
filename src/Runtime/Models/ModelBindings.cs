using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Models;

/// <summary>
/// Which model versions a computation uses. A job's declared model <c>churn</c> is bound through the string parameter
/// <c>model.churn</c> (<see cref="JobDeclaration.ModelParameterPrefix"/>): its value, approved through the parameter
/// review like any parameter, is the version. So a binding is time-versioned, applied in every process without a
/// restart, followed by replays at each event's time, and pinned by a backtest's parameter overrides.
/// </summary>
public static class ModelBindings
{
    /// <summary>No models: the value of rows of jobs that declare none.</summary>
    public static IReadOnlyDictionary<string, string> None { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The parameter holding the version of model <paramref name="model"/>.</summary>
    public static string ParameterOf(string model) => JobDeclaration.ModelParameterPrefix + model;

    /// <summary>The model a parameter binds, or null when <paramref name="parameter"/> is no model binding.</summary>
    public static string? ModelOf(string parameter) =>
        parameter.StartsWith(JobDeclaration.ModelParameterPrefix, StringComparison.Ordinal) ? parameter[JobDeclaration.ModelParameterPrefix.Length..] : null;

    /// <summary>
    /// Model name → version (empty: none chosen) of every model <paramref name="declaration"/> declares, under the parameter
    /// <paramref name="values"/> (absent: the default, none).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Of(JobDeclaration declaration, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(values);
        if (declaration.Models.Count == 0)
        {
            return None;
        }
        return declaration.Models.ToDictionary(m => m, m => values.TryGetValue(ParameterOf(m), out var v) && v is string s ? s : "", StringComparer.Ordinal);
    }
}
