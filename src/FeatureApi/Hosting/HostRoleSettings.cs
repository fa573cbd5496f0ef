using System.Globalization;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>What a platform host does (docs/deployment.md, "Roles and their settings").</summary>
public enum HostRole
{
    /// <summary>Everything in one host: HTTP API, ingestion, live jobs, call workers (replay shards as configured). The default.</summary>
    All,

    /// <summary>HTTP API only: no ingestion, no live jobs, no call workers, no replay shards. Calls are accepted and polled.</summary>
    Api,

    /// <summary>A runtime worker host: ingestion, live jobs, call workers and replay shards; its HTTP port serves the API as well.</summary>
    Worker,
}

/// <summary>
/// The host's role (section <c>Platform</c>, key <c>Platform:Role</c>): one switch that sets the lower-level keys a role
/// needs where they are not set explicitly, and fails start-up (ValidateOnStart) when an explicit key contradicts it.
/// </summary>
public sealed record HostRoleSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Platform";

    /// <summary>The role. Default: <see cref="HostRole.All"/> (one host does everything, as without a cluster).</summary>
    public HostRole Role { get; init; } = HostRole.All;

    /// <summary>The keys <paramref name="role"/> decides, with the value it gives each (<see cref="HostRole.All"/> decides none).</summary>
    public static IReadOnlyList<RoleKey> KeysOf(HostRole role) => role switch
    {
        HostRole.Api =>
        [
            new("EventCenter:IngestWorkers", "0", v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n == 0),
            new("Runtime:RunLiveJobs", "false", v => bool.TryParse(v, out var b) && !b),
            new("Runtime:Calls:RunWorker", "false", v => bool.TryParse(v, out var b) && !b),
            new("Runtime:ReplayWorker:Enabled", "false", v => bool.TryParse(v, out var b) && !b),
        ],
        HostRole.Worker =>
        [
            new("EventCenter:IngestWorkers", "1", v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1),
            new("Runtime:RunLiveJobs", "true", v => bool.TryParse(v, out var b) && b),
            new("Runtime:Calls:RunWorker", "true", v => bool.TryParse(v, out var b) && b),
            new("Runtime:ReplayWorker:Enabled", "true", v => bool.TryParse(v, out var b) && b),
        ],
        _ => [],
    };

    /// <summary>
    /// The problems of <paramref name="configuration"/> for this role: each names the key that contradicts the role and
    /// the fix. Empty when the configuration is consistent.
    /// </summary>
    public IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. KeysOf(Role)
            .Where(k => configuration[k.Key] is { } value && !k.Allows(value))
            .Select(k => $"Platform:Role={Role} needs {k.Key}={k.Value} (it is '{configuration[k.Key]}'): remove {k.Key} or set Platform:Role to the role that runs it.")];
    }
}

/// <summary>A configuration key a role decides.</summary>
/// <param name="Key">The key, e.g. <c>Runtime:RunLiveJobs</c>.</param>
/// <param name="Value">The value the role gives it where it is not set.</param>
/// <param name="Allows">Whether an explicitly set value agrees with the role.</param>
public sealed record RoleKey(string Key, string Value, Func<string, bool> Allows);
