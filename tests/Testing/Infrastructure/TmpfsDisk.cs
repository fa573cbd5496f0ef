using System.Diagnostics;
using System.Globalization;

namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>
/// A small real file system (tmpfs) that can be filled and given space again, for disk-full tests: needs root and a
/// kernel that lets this process mount (CI may not); <see cref="TryMount"/> returns null when it cannot.
/// </summary>
public sealed class TmpfsDisk : IDisposable
{
    private TmpfsDisk(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> on a fresh folder, or returns null (with why) if not allowed here.</summary>
    public static TmpfsDisk? TryMount(long bytes, out string why)
    {
        var path = TestPaths.NewServerDirectory("tmpfs");
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            why = "not root on Linux";
            return null;
        }
        if (Run("mount", $"-t tmpfs -o size={bytes} tmpfs {path}", out why))
        {
            return new TmpfsDisk(path);
        }
        return null;
    }

    /// <summary>Bytes in use on the file system.</summary>
    public long UsedBytes
    {
        get
        {
            var drive = new DriveInfo(Path);
            return drive.TotalSize - drive.TotalFreeSpace;
        }
    }

    /// <summary>Changes the file system's size (a remount; at least what is in use).</summary>
    public void Resize(long bytes)
    {
        if (!Run("mount", string.Create(CultureInfo.InvariantCulture, $"-o remount,size={bytes} {Path}"), out var why))
        {
            throw new InvalidOperationException($"Resizing the tmpfs at {Path} failed: {why}");
        }
    }

    /// <summary>Unmounts (lazily, in case a file is still open).</summary>
    public void Dispose() => Run("umount", $"-l {Path}", out _);

    private static bool Run(string file, string arguments, out string output)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return false;
        }
    }
}
