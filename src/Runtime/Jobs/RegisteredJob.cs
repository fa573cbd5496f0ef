using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.Runtime.Jobs;

/// <summary>A job loaded from the jobs directory, with its run-time switches.</summary>
public sealed class RegisteredJob(LoadedJob loaded, bool enabled)
{
    private volatile bool enabled = enabled;

    /// <summary>
    /// Raised after <see cref="Enabled"/> changed (not when set to its current value). The live jobs service listens
    /// and starts or stops the job's live runners; handlers must be quick and must not throw.
    /// </summary>
    public event Action<RegisteredJob>? EnabledChanged;

    /// <summary>The loaded Python module (hot-reloaded when its file changes).</summary>
    public LoadedJob Loaded { get; } = loaded;

    /// <summary>The job's name.</summary>
    public string Name => Loaded.Declaration.Name;

    /// <summary>The declaration (triggers, consistency, parameters, outputs) of the current version.</summary>
    public JobDeclaration Declaration => Loaded.Declaration;

    /// <summary>The module version currently running (increments on each successful reload).</summary>
    public int Version => Loaded.Version;

    /// <summary>Whether the job runs live. Replays and calls run regardless.</summary>
    public bool Enabled
    {
        get => enabled;
        set
        {
            if (enabled == value)
            {
                return;
            }
            enabled = value;
            EnabledChanged?.Invoke(this);
        }
    }
}
