using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.Runtime.Models;

namespace FeaturePlatform.FeatureApi.Catalog;

/// <summary>
/// The catalog's models from the model registry: every registered model and every model a job declares
/// (<c>@job(models=[…])</c>), with the version bound to its jobs (the reviewed parameter <c>model.&lt;name&gt;</c>),
/// else the newest, and the jobs that use it.
/// </summary>
internal sealed class RegistryCatalogModels(ModelRegistry registry, JobCatalog jobs) : ICatalogModels
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<CatalogModel>> ListAsync(CancellationToken cancellationToken)
    {
        var summaries = (await registry.ListAsync(cancellationToken)).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var users = jobs.Jobs.SelectMany(j => j.Declaration.Models.Select(m => (Model: m, Job: j))).ToList();
        return [.. summaries.Keys.Union(users.Select(u => u.Model)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(name =>
        {
            var using_ = users.Where(u => u.Model == name).ToList();
            var bound = using_.Select(u => u.Job.Loaded.Parameters.GetValueOrDefault("model." + name) as string).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            var versions = summaries.GetValueOrDefault(name)?.Versions ?? [];
            var shown = versions.FirstOrDefault(v => v.Version == bound) ?? versions.FirstOrDefault();
            return new CatalogModel(name, bound ?? shown?.Version, shown?.Framework, shown?.Description, [.. using_.Select(u => u.Job.Name).Distinct(StringComparer.Ordinal)]);
        })];
    }
}
