using System.Diagnostics;
using System.Globalization;
using System.Text;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.Cluster;

/// <summary>
/// Linux network namespaces through Debian's iproute2 (<c>ip netns</c>, <c>ip link</c>): whether this machine allows
/// them, running <c>ip</c>, and removing what crashed runs left behind. Every object the harness makes is named
/// <c>fpc&lt;pid&gt;&lt;run letter&gt;…</c> (the creating test process's pid), so a run removes exactly the objects of
/// processes that no longer exist and never touches a parallel run's.
/// </summary>
public static class Netns
{
    /// <summary>Prefix of every namespace, bridge and veth the harness creates.</summary>
    public const string Prefix = "fpc";

    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Null when namespaces can be used here, else why not (for a skipped test's message).</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>The <c>ip</c> binary.</summary>
    public static string Ip => File.Exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";

    /// <summary>The <c>socat</c> binary (relays inside the namespaces).</summary>
    public static string Socat => "/usr/bin/socat";

    /// <summary>Runs <c>ip</c> with <paramref name="arguments"/>; throws with its output when it fails.</summary>
    public static async Task<string> IpAsync(params string[] arguments)
    {
        var (exit, output) = await ServerProcess.RunAsync(Ip, arguments, TimeSpan.FromSeconds(30));
        return exit == 0 ? output : throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({exit}): {output.Trim()}");
    }

    /// <summary>
    /// Removes namespaces and links named <see cref="Prefix"/>&lt;pid&gt;… whose creating process is gone (a crashed or
    /// killed earlier run): kills what still runs inside such a namespace, then deletes it and the links.
    /// </summary>
    public static async Task RemoveStaleAsync()
    {
        foreach (var line in (await IpAsync("netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (OwnerPid(name) is { } pid && !NativeSignals.IsAlive(pid))
            {
                await DeleteNamespaceAsync(name);
            }
        }
        foreach (var line in (await IpAsync("-o", "link", "show")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "12: fpc123ab: <...>" or "13: fpc123av0@if2: <...>"
            var parts = line.Split(':', 3);
            if (parts.Length < 2)
            {
                continue;
            }
            var name = parts[1].Trim().Split('@')[0];
            if (OwnerPid(name) is { } pid && !NativeSignals.IsAlive(pid))
            {
                await ServerProcess.RunAsync(Ip, ["link", "del", name], TimeSpan.FromSeconds(30));
            }
        }
    }

    /// <summary>Kills every process left in namespace <paramref name="name"/> (SIGKILL) and deletes the namespace.</summary>
    public static async Task DeleteNamespaceAsync(string name)
    {
        var (_, pids) = await ServerProcess.RunAsync(Ip, ["netns", "pids", name], TimeSpan.FromSeconds(30));
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                _ = NativeSignals.Kill(p, NativeSignals.SIGKILL);
            }
        }
        await ServerProcess.RunAsync(Ip, ["netns", "del", name], TimeSpan.FromSeconds(30));
    }

    /// <summary>The pid encoded in a harness object's name, or null for names the harness did not make.</summary>
    public static int? OwnerPid(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var digits = name.AsSpan(Prefix.Length);
        var end = 0;
        while (end < digits.Length && char.IsAsciiDigit(digits[end]))
        {
            end++;
        }
        return end > 0 && int.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces need root (run the cluster tests as root or in a privileged container)";
        }
        if (!File.Exists(Ip))
        {
            return "iproute2's ip is not installed (apt-get install iproute2)";
        }
        if (!File.Exists(Socat))
        {
            return "socat is not installed (apt-get install socat)";
        }
        var probe = $"{Prefix}{Environment.ProcessId}probe";
        var (exit, output) = RunSync(Ip, "netns", "add", probe);
        if (exit != 0)
        {
            return $"this machine does not allow network namespaces (ip netns add: {output.Trim()})";
        }
        RunSync(Ip, "netns", "del", probe);
        return null;
    }

    /// <summary>Used once, by the availability probe that xunit runs while discovering tests (no async context there).</summary>
    private static (int ExitCode, string Output) RunSync(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        try
        {
            using var process = Process.Start(info)!;
            var output = new StringBuilder();
            output.Append(process.StandardOutput.ReadToEnd()).Append(process.StandardError.ReadToEnd());
            process.WaitForExit();
            return (process.ExitCode, output.ToString());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
