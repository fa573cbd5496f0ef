using System.Text.Json;
using FeaturePlatform.EventCenter.MetadataStore;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>A saved selection: a named predicate over one job's features, re-run on demand.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Job">The job.</param>
/// <param name="Predicate">The predicate (JSON, the selection language).</param>
/// <param name="Columns">Columns returned with the keys.</param>
/// <param name="MaxAgeSeconds">The freshness bound (rows updated within this many seconds of the run), or null.</param>
/// <param name="Description">What it is for.</param>
public sealed record SavedSelection(string Name, string Job, JsonElement Predicate, IReadOnlyList<string> Columns, double? MaxAgeSeconds, string? Description)
{
    /// <summary>Revision in the metadata store.</summary>
    public long Revision { get; init; }

    /// <summary>Who saved it last.</summary>
    public string? ChangedBy { get; init; }

    /// <summary>When (ms).</summary>
    public long ChangedAt { get; init; }
}

/// <summary>Saved selections in the metadata store (kind <c>selection</c>), shared by every process.</summary>
public sealed class SavedSelections(IMetadataStore metadata)
{
    /// <summary>The metadata kind.</summary>
    public const string Kind = "selection";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every saved selection, by name.</summary>
    public async ValueTask<IReadOnlyList<SavedSelection>> ListAsync(CancellationToken cancellationToken) =>
        (await metadata.ListAsync(Kind, cancellationToken)).Where(r => !r.Deleted).Select(Read).ToList();

    /// <summary>The selection named <paramref name="name"/>, or null.</summary>
    public async ValueTask<SavedSelection?> GetAsync(string name, CancellationToken cancellationToken) =>
        await metadata.GetAsync(Kind, name, cancellationToken) is { Deleted: false } record ? Read(record) : null;

    /// <summary>Saves (creates or replaces) <paramref name="selection"/>.</summary>
    public async ValueTask<SavedSelection> SaveAsync(SavedSelection selection, string by, CancellationToken cancellationToken) =>
        Read(await metadata.WriteAsync(Kind, selection.Name, JsonSerializer.Serialize(selection with { Revision = 0, ChangedBy = null, ChangedAt = 0 }, Json),
            MetadataExpectation.Any, by, cancellationToken));

    /// <summary>Deletes it; false when there was none.</summary>
    public async ValueTask<bool> DeleteAsync(string name, string by, CancellationToken cancellationToken)
    {
        if (await GetAsync(name, cancellationToken) is null)
        {
            return false;
        }
        await metadata.WriteAsync(Kind, name, null, MetadataExpectation.Any, by, cancellationToken);
        return true;
    }

    private static SavedSelection Read(MetadataRecord record) =>
        JsonSerializer.Deserialize<SavedSelection>(record.Json!, Json)! with { Name = record.Name, Revision = record.Revision, ChangedBy = record.ChangedBy, ChangedAt = record.ChangedAt };
}
