namespace FeaturePlatform.FeatureApi.Catalog;

/// <summary>
/// Where the catalog finds models (the model registry registers an implementation in DI); without one the catalog
/// lists no models. Each model's jobs become lineage edges model → job.
/// </summary>
public interface ICatalogModels
{
    /// <summary>Every model with its live version and the jobs that use it.</summary>
    Task<IReadOnlyList<CatalogModel>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A model as the catalog lists it.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">The version in use (or the newest).</param>
/// <param name="Framework">E.g. <c>sklearn</c>.</param>
/// <param name="Description">For readers.</param>
/// <param name="Jobs">Jobs that declare the model.</param>
public sealed record CatalogModel(string Name, string? Version, string? Framework, string? Description, IReadOnlyList<string> Jobs);
