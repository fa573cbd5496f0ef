using System.Collections;
using System.Reflection;
using MySql.Data.MySqlClient;

namespace FeaturePlatform.EventCenter.SourceDb;

/// <summary>
/// MySql.Data 8.0.16 (the only version obtainable here) predates the <c>utf8mb3</c> charset name that MariaDB 10.6+
/// and MySQL 8.0.30+ report, and fails on such columns. This registers <c>utf8mb3</c> as an alias of <c>utf8</c>
/// in the driver's charset map, once, before the first connection.
/// </summary>
internal static class MySqlCharsets
{
    private static readonly Lazy<bool> Registered = new(Register);

    public static void EnsureRegistered() => _ = Registered.Value;

    private static bool Register()
    {
        var map = typeof(MySqlConnection).Assembly.GetType("MySql.Data.MySqlClient.CharSetMap")
            ?? throw new InvalidOperationException("MySql.Data's CharSetMap was not found; this driver version is not supported.");
        const BindingFlags Static = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;
        if (map.GetField("_mapping", Static)?.GetValue(null) is null)
        {
            map.GetMethod("InitializeMapping", Static)?.Invoke(null, null);
        }
        var lockObject = map.GetField("LockObject", Static)?.GetValue(null) ?? map;
        lock (lockObject)
        {
            AddAlias(map.GetField("_mapping", Static)?.GetValue(null) as IDictionary);
            AddAlias(map.GetField("_maxLengths", Static)?.GetValue(null) as IDictionary);
            AddAlias(map.GetField("_defaultCollations", Static)?.GetValue(null) as IDictionary);
        }
        return true;
    }

    private static void AddAlias(IDictionary? dictionary)
    {
        if (dictionary is not null && dictionary.Contains("utf8") && !dictionary.Contains("utf8mb3"))
        {
            dictionary["utf8mb3"] = dictionary["utf8"];
        }
    }
}
