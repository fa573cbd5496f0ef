namespace FeaturePlatform.Testing.Cluster;

/// <summary>What a platform host does in a cluster (docs/deployment.md, "Roles").</summary>
public enum ClusterRole
{
    /// <summary>
    /// Serves the HTTP API (features, events, calls accepted and polled); runs no live jobs and no call workers:
    /// <c>Runtime:RunLiveJobs=false</c>, <c>Runtime:Calls:RunWorker=false</c>. It still ingests (a member of the ingest group).
    /// </summary>
    Api,

    /// <summary>Runs live jobs and call workers (the defaults), and ingests; its HTTP port serves health and the API as well.</summary>
    Worker,
}

/// <summary>The configuration keys that make a host play a <see cref="ClusterRole"/>.</summary>
public static class ClusterRoles
{
    /// <summary>Keys → values to add to a host's configuration for <paramref name="role"/>.</summary>
    public static IReadOnlyDictionary<string, string> Settings(ClusterRole role) => role switch
    {
        ClusterRole.Api => new Dictionary<string, string>
        {
            ["Runtime:RunLiveJobs"] = "false",
            ["Runtime:Calls:RunWorker"] = "false",
        },
        ClusterRole.Worker => new Dictionary<string, string>
        {
            ["Runtime:RunLiveJobs"] = "true",
            ["Runtime:Calls:RunWorker"] = "true",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };
}
