using System.Text.Json;

namespace FeaturePlatform.Runtime.Models;

/// <summary>One immutable version of a trained model in the registry.</summary>
/// <param name="Name">The model's name (what jobs declare in <c>@job(models=[…])</c>).</param>
/// <param name="Version">The SHA-256 (64 lowercase hex digits) of the artifact's bytes: the same bytes are the same version.</param>
/// <param name="Framework"><c>sklearn</c> or <c>linear-json</c>.</param>
/// <param name="TrainedFrom">Start of the training data's event-time range (ms since the Unix epoch).</param>
/// <param name="TrainedTo">End of the training range (ms, exclusive).</param>
/// <param name="Metrics">The author's evaluation metrics (a JSON object).</param>
/// <param name="Author">Who uploaded it (the authenticated user).</param>
/// <param name="Description">What it is.</param>
/// <param name="CreatedAt">When it was uploaded (ms).</param>
/// <param name="Size">The artifact's size in bytes.</param>
public sealed record ModelVersion(string Name, string Version, string Framework, long TrainedFrom, long TrainedTo, JsonElement Metrics, string Author,
    string Description, long CreatedAt, long Size);

/// <summary>A model's metadata and each version's.</summary>
/// <param name="Name">The model.</param>
/// <param name="Versions">Its versions, newest first.</param>
public sealed record ModelSummary(string Name, IReadOnlyList<ModelVersion> Versions);

/// <summary>An upload: the metadata that goes with the artifact's bytes.</summary>
/// <param name="Name">The model's name: 1 to 100 ASCII letters, digits, <c>_</c> or <c>-</c>.</param>
/// <param name="Framework"><c>sklearn</c> or <c>linear-json</c>.</param>
/// <param name="TrainedFrom">Start of the training range (ms).</param>
/// <param name="TrainedTo">End of the training range (ms, after <paramref name="TrainedFrom"/>).</param>
/// <param name="Metrics">A JSON object.</param>
/// <param name="Author">The authenticated user.</param>
/// <param name="Description">Up to 2000 characters.</param>
public sealed record ModelUpload(string Name, string Framework, long TrainedFrom, long TrainedTo, JsonElement Metrics, string Author, string Description);

/// <summary>An upload the registry refuses; <see cref="Field"/> names the form field to fix.</summary>
public sealed class ModelValidationException(string field, string message) : ArgumentException(message)
{
    /// <summary>The form field: <c>name</c>, <c>framework</c>, <c>trainedFrom</c>, <c>trainedTo</c>, <c>metrics</c>, <c>description</c> or <c>file</c>.</summary>
    public string Field { get; } = field;

    /// <summary>Whether the artifact is larger than the registry accepts (an HTTP 413 rather than a 400).</summary>
    public bool TooLarge { get; init; }
}

/// <summary>The same bytes were uploaded before under the same name with other settings (a version is immutable).</summary>
public sealed class ModelConflictException(string message) : InvalidOperationException(message);
