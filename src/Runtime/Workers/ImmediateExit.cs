using System.Runtime.InteropServices;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>Ends the process at once (<c>_exit</c>): no process-exit handlers, no finalizers, no waiting for other threads.</summary>
internal static class ImmediateExit
{
    /// <summary>Ends the process with <paramref name="status"/>; does not return.</summary>
    [DllImport("libc", EntryPoint = "_exit")]
    internal static extern void Exit(int status);
}
