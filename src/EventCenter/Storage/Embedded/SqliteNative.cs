using System.Runtime.InteropServices;

namespace FeaturePlatform.EventCenter.Storage.Embedded;

/// <summary>
/// Chooses the native SQLite library once per process: the operating system's <c>libsqlite3.so.0</c> (Debian's
/// package <c>libsqlite3-0</c>) when present, else the copy bundled with SQLitePCLRaw.
/// </summary>
/// <remarks>
/// The bundled build lacks <c>HAVE_USLEEP</c>, so each of SQLite's internal waits — a reader retrying while the writer
/// updates the WAL index, the busy handler — sleeps a whole second instead of microseconds. Under concurrent reads and
/// writes that showed as one-second stalls (request round trips: p50 5 ms, p99 1,000 ms). The system library sleeps
/// as asked. Both export the same C API the provider binds to.
/// </remarks>
internal static class SqliteNative
{
    private const string BundledName = "e_sqlite3";

    private static readonly string[] SystemCandidates = ["libsqlite3.so.0", "libsqlite3.so", "libsqlite3.0.dylib"];

    private static readonly Lazy<string> Loaded = new(Initialise);

    /// <summary>The library in use: a system path/name, or "bundled e_sqlite3".</summary>
    public static string Library => Loaded.Value;

    /// <summary>Loads and initialises SQLite for Microsoft.Data.Sqlite (idempotent, thread-safe).</summary>
    public static void EnsureInitialised() => _ = Loaded.Value;

    private static string Initialise()
    {
        string chosen = "bundled " + BundledName;
        if (Environment.GetEnvironmentVariable("FEATUREPLATFORM_SQLITE") != "bundled")
        {
            foreach (var candidate in SystemCandidates)
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, (name, _, _) =>
                        name == BundledName ? handle : IntPtr.Zero);
                    chosen = candidate;
                    break;
                }
            }
        }
        SQLitePCL.Batteries_V2.Init();
        return chosen;
    }
}
