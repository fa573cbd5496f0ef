using System.Runtime.InteropServices;

namespace FeaturePlatform.PyBridge.Interop;

/// <summary>
/// dlopen/dlsym from glibc. libpython must be opened with RTLD_GLOBAL so that C extension modules
/// (json's speedups, numpy…) resolve their symbols against it; NativeLibrary.Load opens it locally.
/// </summary>
internal static partial class NativeLoader
{
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    public static IntPtr OpenGlobal(string path)
    {
        var handle = DlOpen(path, RtldNow | RtldGlobal);
        if (handle == IntPtr.Zero)
        {
            throw new PythonHostException($"dlopen('{path}') failed: {LastError()}");
        }
        return handle;
    }

    public static IntPtr Symbol(IntPtr library, string name)
    {
        var address = DlSym(library, name);
        if (address == IntPtr.Zero)
        {
            throw new PythonHostException($"libpython does not export '{name}': {LastError()}");
        }
        return address;
    }

    private static string LastError() => Marshal.PtrToStringUTF8(DlError()) ?? "unknown error";

    [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlOpen(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlSym(IntPtr handle, string name);

    [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
    private static partial IntPtr DlError();
}
