using System.Runtime.InteropServices;

namespace FeaturePlatform.Testing.Infrastructure;

/// <summary>POSIX kill(2), for stopping servers by pid with a chosen signal.</summary>
public static partial class NativeSignals
{
    /// <summary>Polite termination.</summary>
    public const int SIGTERM = 15;

    /// <summary>Immediate kill.</summary>
    public const int SIGKILL = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; returns 0 on success.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>True if a process with this pid exists.</summary>
    public static bool IsAlive(int pid) => Kill(pid, 0) == 0;
}
