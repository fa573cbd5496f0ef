using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.Runtime.Models;

/// <summary>
/// The model registry: immutable, content-addressed model versions. Artifacts are files in the model directory
/// (<c>&lt;dir&gt;/&lt;name&gt;/&lt;version&gt;.&lt;framework&gt;</c>, where every runtime process and its workers load them; the
/// SDK checksums them again on every load); metadata lives in the platform's shared storage (the hot store, like the job
/// registry and the parameters), so every process sees the same registry.
/// </summary>
/// <remarks>
/// Table <c>model_registry</c>. Row <c>m/&lt;name&gt;</c>: family <c>v</c>, one cell per version (qualifier: the version;
/// value: its metadata as JSON), written once with compare-and-set.
/// </remarks>
/// <param name="store">The storage (normally the event center's hot store).</param>
/// <param name="directory">The model directory (<see cref="ModelSettings.ResolveDirectory"/>).</param>
/// <param name="maxArtifactBytes">Largest artifact accepted (<see cref="ModelSettings.MaxArtifactBytes"/>).</param>
/// <param name="clock">Clock of upload times.</param>
/// <param name="table">The table. Default: <c>model_registry</c>.</param>
public sealed class ModelRegistry(IWideTableStore store, string directory, long maxArtifactBytes, TimeProvider? clock = null, TableName? table = null)
{
    /// <summary>The frameworks the SDK loads.</summary>
    public static IReadOnlyList<string> Frameworks { get; } = ["sklearn", "linear-json"];

    /// <summary>Longest description.</summary>
    public const int MaxDescriptionLength = 2000;

    private static readonly byte[] Versions = "v"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The table. Default: <c>model_registry</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "model_registry");

    /// <summary>The model directory.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Largest artifact accepted, in bytes.</summary>
    public long MaxArtifactBytes { get; } = maxArtifactBytes;

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("v")]), cancellationToken);

    /// <summary>The file a version's artifact is stored in.</summary>
    public string ArtifactPath(string name, string version, string framework) => Path.Combine(Directory, name, $"{version}.{framework}");

    /// <summary>None when <paramref name="name"/> is a valid model name, else why not (the rule of the SDK's <c>check_model_name</c>).</summary>
    public static string? CheckName(string? name) =>
        name is { Length: > 0 and <= 100 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? null
            : $"'{name}' is not a model name: use 1 to 100 ASCII letters, digits, '_' or '-'";

    /// <summary>Whether <paramref name="version"/> has the form of a version (64 lowercase hex digits).</summary>
    public static bool IsVersion(string? version) => version is { Length: 64 } && version.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>
    /// Stores an artifact and its metadata. The version is the SHA-256 of the bytes: uploading the same bytes under the same
    /// name again returns the version stored before (<c>Created</c> false) and changes nothing.
    /// </summary>
    /// <exception cref="ModelValidationException">A field is invalid (the exception names it); nothing is stored.</exception>
    /// <exception cref="ModelConflictException">The same bytes are stored under this name with another framework.</exception>
    public async Task<(ModelVersion Version, bool Created)> UploadAsync(ModelUpload upload, Stream artifact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(artifact);
        Check(upload);
        var folder = Path.Combine(Directory, upload.Name);
        System.IO.Directory.CreateDirectory(folder);
        var staging = Path.Combine(folder, $".upload-{Guid.NewGuid():N}");
        try
        {
            var (version, size) = await CopyHashedAsync(artifact, staging, cancellationToken);
            if (size == 0)
            {
                throw new ModelValidationException("file", "'file' is empty; upload the trained model's artifact.");
            }
            if (upload.Framework == "linear-json")
            {
                CheckLinearJson(await File.ReadAllBytesAsync(staging, cancellationToken));
            }
            if (await GetAsync(upload.Name, version, cancellationToken) is { } existing)
            {
                return existing.Framework == upload.Framework
                    ? (existing, false)
                    : throw new ModelConflictException($"model '{upload.Name}' already has these bytes as version {version} with framework '{existing.Framework}'; a version is immutable.");
            }
            // The file first, then the metadata: a version listed is always loadable.
            File.Move(staging, ArtifactPath(upload.Name, version, upload.Framework), overwrite: true);
            var stored = new ModelVersion(upload.Name, version, upload.Framework, upload.TrainedFrom, upload.TrainedTo, upload.Metrics.Clone(), upload.Author,
                upload.Description, clock.GetUtcNow().ToUnixTimeMilliseconds(), size);
            var cell = new Cell(Versions, Encoding.ASCII.GetBytes(version), stored.CreatedAt, JsonSerializer.SerializeToUtf8Bytes(stored, Json));
            var created = await store.CheckAndPutAsync(Table, Row(upload.Name), Versions, cell.Qualifier, null, new Put(Row(upload.Name), [cell]), cancellationToken);
            return created ? (stored, true) : ((await GetAsync(upload.Name, version, cancellationToken))!, false);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary>One version's metadata, or null.</summary>
    public async ValueTask<ModelVersion?> GetAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var row = await store.GetAsync(Table, new Get(Row(name)) { Columns = [new ColumnSelector(Versions, Encoding.ASCII.GetBytes(version))] }, cancellationToken);
        return row?.Cells.FirstOrDefault() is { Value: not null } cell ? JsonSerializer.Deserialize<ModelVersion>(cell.Value, Json) : null;
    }

    /// <summary>A model's versions, newest first (empty when the model is unknown).</summary>
    public async ValueTask<IReadOnlyList<ModelVersion>> ListVersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var row = await store.GetAsync(Table, new Get(Row(name)), cancellationToken);
        return Decode(row);
    }

    /// <summary>Every model with its versions, by name.</summary>
    public async ValueTask<IReadOnlyList<ModelSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<ModelSummary>();
        await foreach (var row in store.ScanAsync(Table, new Scan { Prefix = "m/"u8.ToArray() }, cancellationToken))
        {
            var versions = Decode(row);
            if (versions.Count > 0)
            {
                all.Add(new ModelSummary(versions[0].Name, versions));
            }
        }
        return [.. all.OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    private static List<ModelVersion> Decode(RowResult? row) =>
        [.. (row?.Cells ?? []).Select(c => JsonSerializer.Deserialize<ModelVersion>(c.Value, Json)!)
            .OrderByDescending(v => v.CreatedAt).ThenBy(v => v.Version, StringComparer.Ordinal)];

    private static byte[] Row(string name) => Encoding.UTF8.GetBytes("m/" + name);

    private static void Check(ModelUpload upload)
    {
        if (CheckName(upload.Name) is { } problem)
        {
            throw new ModelValidationException("name", $"'name': {problem}.");
        }
        if (!Frameworks.Contains(upload.Framework))
        {
            throw new ModelValidationException("framework", $"'framework' must be one of {string.Join(", ", Frameworks)}; got '{upload.Framework}'.");
        }
        if (upload.TrainedFrom < 0)
        {
            throw new ModelValidationException("trainedFrom", "'trainedFrom' must be a time at or after the Unix epoch (ms or ISO 8601).");
        }
        if (upload.TrainedTo <= upload.TrainedFrom)
        {
            throw new ModelValidationException("trainedTo", "'trainedTo' must be after 'trainedFrom' (the training range is [trainedFrom, trainedTo)).");
        }
        if (upload.Metrics.ValueKind != JsonValueKind.Object)
        {
            throw new ModelValidationException("metrics", "'metrics' must be a JSON object, e.g. {\"auc\": 0.81}.");
        }
        if (upload.Description.Length > MaxDescriptionLength)
        {
            throw new ModelValidationException("description", $"'description' is longer than {MaxDescriptionLength} characters.");
        }
        if (string.IsNullOrWhiteSpace(upload.Author))
        {
            throw new ArgumentException("an upload needs its author", nameof(upload));
        }
    }

    private async Task<(string Version, long Size)> CopyHashedAsync(Stream artifact, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            int read;
            while ((read = await artifact.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > MaxArtifactBytes)
                {
                    throw new ModelValidationException("file", $"'file' is larger than {MaxArtifactBytes} bytes (Runtime:Models:MaxArtifactBytes).") { TooLarge = true };
                }
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            file.Flush(flushToDisk: true);
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }

    /// <summary>The SDK's rules for a linear-json document, checked at upload so a bad one is a 400, not a failing job.</summary>
    private static void CheckLinearJson(byte[] bytes)
    {
        const string Shape = "a linear-json model is {\"features\": [names], \"weights\": [numbers, one per feature], \"bias\": number}";
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ModelValidationException("file", $"'file' is not JSON ({e.Message}); {Shape}.");
        }
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array
            || features.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String || f.GetString() is not { Length: > 0 })
            || !root.TryGetProperty("weights", out var weights) || weights.ValueKind != JsonValueKind.Array
            || weights.EnumerateArray().Any(w => w.ValueKind != JsonValueKind.Number)
            || weights.GetArrayLength() != features.GetArrayLength()
            || (root.TryGetProperty("bias", out var bias) && bias.ValueKind != JsonValueKind.Number))
        {
            throw new ModelValidationException("file", $"'file': {Shape}.");
        }
        var names = features.EnumerateArray().Select(f => f.GetString()).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new ModelValidationException("file", "'file': a linear-json model's features must not repeat a name.");
        }
    }
}
