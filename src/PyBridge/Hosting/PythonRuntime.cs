using System.Runtime.InteropServices;
using System.Text.Json;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>
/// The one embedded interpreter of this process, driven through pythonnet. CPython cannot be finalised and started
/// again reliably (and pythonnet would need BinaryFormatter for it), so it is initialised once and lives until the
/// process exits; hosts come and go on top of it.
/// </summary>
internal sealed class PythonRuntime
{
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static PythonRuntime? s_current;
    private static Exception? s_failure;

    private PythonRuntime(PythonInstallation installation, string sdkDirectory)
    {
        Installation = installation;
        SdkDirectory = sdkDirectory;
    }

    public PythonInstallation Installation { get; }

    public string SdkDirectory { get; }

    /// <summary><c>featureplatform._host.JobRunner</c>.</summary>
    public PyObject RunnerType { get; private set; } = null!;

    /// <summary>The <c>NativeDataSource</c> every runner reads through (it calls <see cref="DataBridge"/>).</summary>
    public PyObject NativeSource { get; private set; } = null!;

    /// <summary><c>featureplatform._host.evaluate</c>.</summary>
    public PyObject Evaluate { get; private set; } = null!;

    /// <summary><c>featureplatform._host.interrupt</c>: raises TimeoutError in a thread.</summary>
    public PyObject Interrupt { get; private set; } = null!;

    /// <summary><c>featureplatform._host.clear_interrupt</c>: drops an interrupt still pending in a thread.</summary>
    public PyObject ClearInterrupt { get; private set; } = null!;

    /// <summary><c>featureplatform.DataSourceError</c>, raised in Python when the data source throws.</summary>
    public PyType DataSourceError { get; private set; } = null!;

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
            if (s_failure is not null)
            {
                // pythonnet keeps a failed start's state for the process's life: another try cannot succeed.
                throw new PythonHostException($"the embedded interpreter failed to start earlier in this process: {s_failure.Message}", s_failure);
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
            try
            {
                await done.Task.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                s_failure = ex;
                throw;
            }
            s_current = runtime;
            return runtime;
        }
        finally
        {
            StartLock.Release();
        }
    }

    private void Initialise()
    {
        if (PythonEngine.IsInitialized)
        {
            throw new PythonHostException("pythonnet is already initialised by someone else in this process.");
        }
        try
        {
            // pythonnet dlopens the library RTLD_GLOBAL, so C extension modules (json's speedups, numpy…) resolve
            // their symbols against it. The program name decides prefix, stdlib and site-packages.
            Runtime.PythonDLL = Installation.Library;
            PythonEngine.ProgramName = Installation.Executable;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new PythonHostException($"loading libpython '{Installation.Library}' failed: {Innermost(ex).Message}", ex);
        }
        PythonEngine.Initialize(setSysArgv: false, initSigs: false); // .NET owns the signal handlers
        try
        {
            PythonEngine.Exec($"import sys\nsys.path.insert(0, {JsonSerializer.Serialize(SdkDirectory)})\nsys.dont_write_bytecode = True");
            using var host = Py.Import("featureplatform._host");
            using var package = Py.Import("featureplatform");
            using var errorType = package.GetAttr("DataSourceError");
            DataSourceError = new PyType(errorType);
            RunnerType = host.GetAttr("JobRunner");
            Evaluate = host.GetAttr("evaluate");
            Interrupt = host.GetAttr("interrupt");
            ClearInterrupt = host.GetAttr("clear_interrupt");
            using var sourceType = host.GetAttr("NativeDataSource");
            using var bridge = new DataBridge(DataSourceError).ToPython();
            NativeSource = sourceType.Invoke(bridge);
        }
        catch (PythonException ex)
        {
            throw PythonErrors.ToHostException(ex, "starting the host's Python side");
        }
        finally
        {
            PythonEngine.BeginAllowThreads(); // release the GIL; this thread's state is never used again
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }

    /// <summary>The path handed to Python for a job file.</summary>
    public static string NormalisePath(string path) => Path.GetFullPath(path);

    /// <summary>PyBridge runs on 64-bit Linux only (the interpreter discovery and the tests assume it).</summary>
    public static void EnsureSupportedPlatform()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
        {
            throw new PlatformNotSupportedException($"PyBridge embeds CPython on 64-bit Linux only ({RuntimeInformation.OSDescription}).");
        }
    }
}
