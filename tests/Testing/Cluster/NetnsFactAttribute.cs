using Xunit;

namespace FeaturePlatform.Testing.Cluster;

/// <summary>A fact that needs network namespaces; skipped, saying why, where the machine does not allow them.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetnsFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="Netns.UnavailableReason"/> is not null.</summary>
    public NetnsFactAttribute()
    {
        if (Netns.UnavailableReason is { } reason)
        {
            Skip = "Cluster harness skipped: " + reason + ".";
        }
    }
}
