using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FeaturePlatform.PyBridge.Interop;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// The one embedded interpreter of this process. CPython cannot be finalised and started again reliably, so it is
/// initialised once and lives until the process exits; hosts come and go on top of it.
/// </summary>
internal sealed class PythonRuntime
{
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static PythonRuntime? s_current;

    private PythonRuntime(PythonInstallation installation, string sdkDirectory)
    {
        Installation = installation;
        SdkDirectory = sdkDirectory;
    }

    public PythonInstallation Installation { get; }

    public string SdkDirectory { get; }

    /// <summary><c>featureplatform._host.JobRunner</c>.</summary>
    public IntPtr RunnerType { get; private set; }

    /// <summary>The <c>NativeDataSource</c> every runner reads through.</summary>
    public IntPtr NativeSource { get; private set; }

    /// <summary><c>featureplatform._host.configure</c>.</summary>
    public IntPtr Configure { get; private set; }

    /// <summary><c>featureplatform._host.evaluate</c>.</summary>
    public IntPtr Evaluate { get; private set; }

    public static async Task<PythonRuntime> StartAsync(PythonHostOptions options, CancellationToken cancellationToken)
    {
        var installation = await PythonInstallation.LocateAsync(options, cancellationToken).ConfigureAwait(false);
        var sdk = Path.GetFullPath(options.SdkDirectory ?? Path.Combine(AppContext.BaseDirectory, "python"));
        if (!File.Exists(Path.Combine(sdk, "featureplatform", "__init__.py")))
        {
            throw new PythonHostException($"the featureplatform SDK package was not found under '{sdk}' (set {nameof(PythonHostOptions.SdkDirectory)}).");
        }
        await StartLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (s_current is { } current)
            {
                return current.Installation.Library == installation.Library && current.SdkDirectory == sdk
                    ? current
                    : throw new PythonHostException(
                        $"this process already embeds '{current.Installation.Library}' with the SDK from '{current.SdkDirectory}'; " +
                        $"one interpreter per process (asked for '{installation.Library}', SDK '{sdk}'). Run another process for another interpreter.");
            }
            var runtime = new PythonRuntime(installation, sdk);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    runtime.Initialise();
                    done.SetResult();
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            }) { IsBackground = true, Name = "python-init" };
            thread.Start();
            await done.Task.ConfigureAwait(false);
            s_current = runtime;
            return runtime;
        }
        finally
        {
            StartLock.Release();
        }
    }

    private unsafe void Initialise()
    {
        var library = NativeLoader.OpenGlobal(Installation.Library);
        CPython.Bind(library);
        if (CPython.IsInitialized() != 0)
        {
            throw new PythonHostException("libpython is already initialised by someone else in this process.");
        }
        // The program name decides prefix/stdlib/site-packages; it must outlive the interpreter (never freed).
        fixed (byte* exe = Encoding.UTF8.GetBytes(Installation.Executable + "\0"))
        {
            var wide = CPython.DecodeLocale(exe, null);
            if (wide == IntPtr.Zero)
            {
                throw new PythonHostException($"Py_DecodeLocale failed for '{Installation.Executable}'");
            }
            CPython.SetProgramName(wide);
        }
        CPython.InitializeEx(0); // .NET owns the signal handlers
        Py.Run($"import sys\nsys.path.insert(0, {JsonSerializer.Serialize(SdkDirectory)})\nsys.dont_write_bytecode = True");
        var host = Py.Import("featureplatform._host");
        var sdk = Py.Import("featureplatform");
        NativeCallbacks.DataSourceErrorType = Py.GetAttr(sdk, "DataSourceError");
        CPython.DecRef(sdk);
        RunnerType = Py.GetAttr(host, "JobRunner");
        Configure = Py.GetAttr(host, "configure");
        Evaluate = Py.GetAttr(host, "evaluate");
        var sourceType = Py.GetAttr(host, "NativeDataSource");
        var (fetch, history) = NativeCallbacks.Create();
        NativeSource = Py.Call(sourceType, fetch, history);
        CPython.DecRef(sourceType);
        CPython.DecRef(host);
        CPython.SaveThread(); // release the GIL; this thread's state is never used again
    }

    /// <summary>The path handed to Python for a job file.</summary>
    public static string NormalisePath(string path) => Path.GetFullPath(path);

    /// <summary>Checks the size of PyMethodDef assumptions once (64-bit only).</summary>
    public static void EnsureSupportedPlatform()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
        {
            throw new PlatformNotSupportedException($"PyBridge embeds CPython on 64-bit Linux only ({RuntimeInformation.OSDescription}).");
        }
    }
}
