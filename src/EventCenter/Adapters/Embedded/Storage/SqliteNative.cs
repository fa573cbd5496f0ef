
namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>Initialises SQLitePCLRaw's bundled SQLite once per process, before the first connection.</summary>
/// <remarks>
/// The bundled SQLite (3.53, package <c>SQLite</c>) is built with <c>nanosleep</c>, so its busy handler and WAL-index
/// retries sleep microseconds as asked. The 2.0.x bundle lacked <c>HAVE_USLEEP</c> and slept a whole second per wait,
/// which is why the project used to bind the operating system's libsqlite3 instead.
/// </remarks>
internal static class SqliteNative
{
    private static readonly Lazy<string> Loaded = new(Initialise);

    /// <summary>The SQLite version in use.</summary>
    public static string Version => Loaded.Value;

    /// <summary>Loads and initialises SQLite for Microsoft.Data.Sqlite (idempotent, thread-safe).</summary>
    public static void EnsureInitialised() => _ = Loaded.Value;

    private static string Initialise()
    {
        SQLitePCL.Batteries_V2.Init();
        return SQLitePCL.raw.sqlite3_libversion().utf8_to_string();
    }
}
