using System.Globalization;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// Initialised database directories (initdb, mariadb-install-db output) made once per machine and server
/// binary, then copied for each server: copying takes a fraction of the seconds the bootstrap takes. The
/// template is built in a private folder and renamed into place, so concurrent test runs never see half of one.
/// </summary>
internal static class DataDirectoryTemplate
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "featureplatform-tests", "templates");

    /// <summary>
    /// Copies the template named <paramref name="name"/> (built for <paramref name="binary"/>'s current version
    /// and <paramref name="settingsKey"/>) into <paramref name="target"/> (which must not exist), building it
    /// first with <paramref name="create"/> (given an empty directory to fill) if needed. Ownership is kept.
    /// </summary>
    public static async Task CopyAsync(string name, string binary, string settingsKey, string target, Func<string, Task> create)
    {
        var template = await GetOrCreateAsync(name, binary, settingsKey, create);
        var (exitCode, output) = await ServerProcess.RunAsync("/bin/cp", ["-a", template, target], TimeSpan.FromSeconds(120));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"copying template {template} to {target} failed ({exitCode}): {output}");
        }
    }

    /// <summary>
    /// Deletes a server's data (not its logs) once it is stopped for good: every test run would otherwise leave
    /// tens of MiB behind. Failures are ignored; the directory is then simply left in place.
    /// </summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Kept: nothing depends on its removal.
        }
    }

    private static async Task<string> GetOrCreateAsync(string name, string binary, string settingsKey, Func<string, Task> create)
    {
        var info = new FileInfo(binary);
        var key = string.Create(CultureInfo.InvariantCulture, $"{info.Length}:{info.LastWriteTimeUtc.Ticks}:{settingsKey}");
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16].ToLowerInvariant();
        var final = Path.Combine(Root, $"{name}-{hash}");
        if (Directory.Exists(final))
        {
            return final;
        }
        Directory.CreateDirectory(Root);
        OsUser.MakeTraversable(Root);
        var building = Path.Combine(Root, $"{name}-{hash}.building-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            await create(building);
            try
            {
                Directory.Move(building, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another test run finished the same template first: use theirs.
            }
        }
        finally
        {
            if (Directory.Exists(building))
            {
                Directory.Delete(building, recursive: true);
            }
        }
        return final;
    }
}
