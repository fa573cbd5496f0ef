using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace FeaturePlatform.EventCenter.Kafka;

/// <summary>
/// Binds Confluent.Kafka to the operating system's librdkafka.
/// </summary>
/// <remarks>
/// Confluent.Kafka 1.9.3 declares its native methods with <c>[DllImport("librdkafka")]</c> (plus
/// <c>alpine-/centos6-/centos7-librdkafka</c> variants it tries on those systems) and normally finds the library
/// in the <c>librdkafka.redist</c> package, which is not used here. Debian's <c>librdkafka1</c> package installs
/// only <c>librdkafka.so.1</c> (the <c>librdkafka.so</c> link comes with <c>librdkafka-dev</c>), which the
/// default probing for <c>librdkafka</c> does not find. <see cref="EnsureLoaded"/> installs a
/// <see cref="NativeLibrary.SetDllImportResolver"/> on the Confluent.Kafka assembly that maps the name
/// <c>librdkafka</c> to the first loadable of <see cref="Candidates"/>. Confluent.Kafka's own
/// <c>Library.Load(path)</c> is not used: on Debian 12 it fails because it binds <c>dlopen</c> from <c>libdl</c>.
/// </remarks>
public static class LibrdkafkaLoader
{
    /// <summary>The library name Confluent.Kafka's <c>DllImport</c> declarations use.</summary>
    internal const string ImportName = "librdkafka";

    /// <summary>
    /// Environment variable naming an explicit librdkafka file; when set it is tried before
    /// <see cref="Candidates"/>.
    /// </summary>
    public const string PathVariable = "FEATUREPLATFORM_LIBRDKAFKA";

    private static readonly Lock Gate = new();
    private static volatile bool installed;
    private static string? loadedFrom;
    private static int resolverCalls;

    /// <summary>
    /// Library names tried in order: the runtime soname first (all a Debian system without the -dev package
    /// has), then the development link and the platform-neutral name.
    /// </summary>
    public static IReadOnlyList<string> Candidates { get; } =
        OperatingSystem.IsMacOS()
            ? ["librdkafka.1.dylib", "librdkafka.dylib", ImportName]
            : OperatingSystem.IsWindows() ? ["librdkafka.dll", ImportName] : ["librdkafka.so.1", "librdkafka.so", ImportName];

    /// <summary>The name or path librdkafka was loaded from by this loader, or null before <see cref="EnsureLoaded"/>.</summary>
    public static string? LoadedFrom => Volatile.Read(ref loadedFrom);

    /// <summary>How many times the resolver answered a request for librdkafka (for diagnostics and tests).</summary>
    internal static int ResolverCalls => Volatile.Read(ref resolverCalls);

    /// <summary>
    /// Installs the resolver (once; later calls return immediately) and loads librdkafka so that a missing
    /// library fails here, with the names tried, rather than inside the first producer or consumer.
    /// Thread-safe and idempotent.
    /// </summary>
    /// <returns>The librdkafka version string, e.g. "2.0.2".</returns>
    /// <exception cref="DllNotFoundException">No candidate could be loaded.</exception>
    public static string EnsureLoaded()
    {
        if (!installed)
        {
            lock (Gate)
            {
                if (!installed)
                {
                    NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, Resolve);
                    installed = true;
                }
            }
        }
        _ = Load();
        return Library.VersionString;
    }

    /// <summary>Loads the first loadable of <paramref name="candidates"/>; returns its handle and name.</summary>
    internal static (IntPtr Handle, string Name) LoadFirst(IEnumerable<string> candidates)
    {
        var errors = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                return (NativeLibrary.Load(candidate), candidate);
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{candidate}: {e.Message}");
            }
            catch (BadImageFormatException e)
            {
                errors.Add($"{candidate}: {e.Message}");
            }
        }
        throw new DllNotFoundException(
            "librdkafka could not be loaded (on Debian: apt-get install librdkafka1). Tried: " + string.Join("; ", errors));
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != ImportName)
        {
            return IntPtr.Zero; // other names (libdl, the alpine/centos variants) keep the default probing
        }
        Interlocked.Increment(ref resolverCalls);
        return Load();
    }

    private static IntPtr Load()
    {
        var explicitPath = Environment.GetEnvironmentVariable(PathVariable);
        IEnumerable<string> names = string.IsNullOrEmpty(explicitPath) ? Candidates : [explicitPath, .. Candidates];
        var (handle, name) = LoadFirst(names);
        Volatile.Write(ref loadedFrom, name);
        return handle;
    }
}
