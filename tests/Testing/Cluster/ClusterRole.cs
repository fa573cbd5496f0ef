namespace FeaturePlatform.Testing.Cluster;

/// <summary>What a platform host does in a cluster (docs/deployment.md, "Roles"); set with <c>Platform:Role</c>.</summary>
public enum ClusterRole
{
    /// <summary>
    /// Serves the HTTP API (features, events, calls accepted and polled); no ingestion, no live jobs, no call workers,
    /// no replay shards (<c>Platform:Role=Api</c>).
    /// </summary>
    Api,

    /// <summary>Ingests, runs live jobs, call workers and replay shards; its HTTP port serves health and the API as well (<c>Platform:Role=Worker</c>).</summary>
    Worker,
}

/// <summary>The configuration keys that make a host play a <see cref="ClusterRole"/>.</summary>
public static class ClusterRoles
{
    /// <summary>
    /// The runtime's thread-pool spin-wait limit, set per role as the units in deploy/systemd set it (an environment
    /// variable, so it passes through the harness's configuration unchanged).
    /// </summary>
    public const string SpinLimit = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>Keys → values to add to a host's configuration for <paramref name="role"/> (the role's unit lines).</summary>
    public static IReadOnlyDictionary<string, string> Settings(ClusterRole role) => role switch
    {
        ClusterRole.Api => new Dictionary<string, string> { ["Platform:Role"] = "Api", [SpinLimit] = "70" },
        ClusterRole.Worker => new Dictionary<string, string> { ["Platform:Role"] = "Worker", [SpinLimit] = "0" },
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };
}
