using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// Runs server binaries as their Debian system user (postgres, mysql) from a root test process, without a
/// shell: <c>setpriv</c> execs the binary, so the started pid is the server's own pid.
/// </summary>
internal static class OsUser
{
    private const string SetPriv = "/usr/bin/setpriv";

    /// <summary>The file name and arguments that run <paramref name="fileName"/> as <paramref name="user"/>.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) As(string user, string fileName, IEnumerable<string> arguments)
    {
        var args = new List<string> { $"--reuid={user}", $"--regid={user}", "--init-groups", "--", fileName };
        args.AddRange(arguments);
        return (SetPriv, args);
    }

    /// <summary>Creates <paramref name="path"/> (and parents) and makes <paramref name="user"/> own it.</summary>
    public static async Task CreateOwnedDirectoryAsync(string path, string user)
    {
        Directory.CreateDirectory(path);
        var (exitCode, output) = await ServerProcess.RunAsync("/bin/chown", [$"{user}:{user}", path], TimeSpan.FromSeconds(30));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"chown {user} {path} failed ({exitCode}): {output}");
        }
    }

    /// <summary>Lets other users (the server's user) traverse the directory the fixture created as root.</summary>
    public static void MakeTraversable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The server fixtures run Debian packages on Linux.");
        }
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }
}
