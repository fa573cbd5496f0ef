using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>The durable record of a run: <c>run.json</c> in its result directory, replaced atomically at start and end.</summary>
public static class RunSummaryFile
{
    /// <summary>The file's name.</summary>
    public const string FileName = "run.json";

    /// <summary>How the summary is serialised (camelCase, states as names, indented).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes <paramref name="status"/> to <c>run.json</c> in <paramref name="directory"/> (write to a temporary file, then rename).</summary>
    public static async Task WriteAsync(string directory, RunStatus status, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        await using (var file = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(file, status, JsonOptions, cancellationToken);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads the summary in <paramref name="directory"/>.</summary>
    public static async Task<RunStatus?> ReadAsync(string directory, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(Path.Combine(directory, FileName));
        return await JsonSerializer.DeserializeAsync<RunStatus>(file, JsonOptions, cancellationToken);
    }
}
