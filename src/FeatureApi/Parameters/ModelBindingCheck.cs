using System.Text.Json;
using FeaturePlatform.Runtime.Models;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>
/// Checks the model bindings among parameter values (<c>model.&lt;name&gt;</c> → version): each must name a version the
/// model registry holds for that model (or be empty: no model). Proposals and backtests use it, so a binding that could
/// only fail at run time is refused up front, naming the field.
/// </summary>
public static class ModelBindingCheck
{
    /// <summary>Field → problems (empty when every binding is fine); <paramref name="field"/> gives a value's field name.</summary>
    public static async Task<Dictionary<string, string[]>> ProblemsAsync(ModelRegistry? registry, IEnumerable<KeyValuePair<string, JsonElement>> values,
        Func<string, string> field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(field);
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (ModelBindings.ModelOf(name) is not { } model)
            {
                continue;
            }
            if (value.ValueKind != JsonValueKind.String)
            {
                problems[field(name)] = [$"'{name}' must be a model version (a string of 64 hex digits from GET /api/models/{model}/versions)."];
                continue;
            }
            var version = value.GetString()!;
            if (version.Length == 0)
            {
                continue; // no model: ctx.model fails until a version is chosen
            }
            if (registry is null || !ModelRegistry.IsVersion(version) || await registry.GetAsync(model, version, cancellationToken) is null)
            {
                problems[field(name)] = [$"'{name}' = \"{version}\" is not a version of model '{model}'; upload it first or pick one from GET /api/models/{model}/versions."];
            }
        }
        return problems;
    }
}
