using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>
/// Ended parity checks and correction runs on disk (<c>&lt;data&gt;/parity/&lt;id&gt;.json</c>), so that their reports and
/// lineage are listed after a restart. A check the host left unfinished is not written and so is not listed.
/// </summary>
internal sealed class ParityReports(string directory, ILogger logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Writes <paramref name="status"/> (a temporary file renamed into place: a crash leaves the old or the new file).</summary>
    public void Save(ParityStatus status)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, status.Id + ".json");
            var temporary = path + ".tmp";
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(status, Json));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "Parity check {Id}: its report could not be kept on disk; it is listed until this host stops", status.Id);
        }
    }

    /// <summary>Every report on disk; one that cannot be read is logged and skipped.</summary>
    public IEnumerable<ParityStatus> Load()
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            ParityStatus? status = null;
            try
            {
                status = JsonSerializer.Deserialize<ParityStatus>(File.ReadAllBytes(file), Json);
            }
            catch (Exception e) when (e is IOException or JsonException or NotSupportedException)
            {
                logger.LogWarning("Parity report {File} cannot be read ({Error}); skipped", Path.GetFileName(file), e.Message);
            }
            if (status is not null)
            {
                yield return status;
            }
        }
    }
}
