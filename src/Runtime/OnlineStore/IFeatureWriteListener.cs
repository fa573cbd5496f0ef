using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.OnlineStore;

/// <summary>Told of each batch the feature store wrote, after the store took it (the selection copy keeps in step this way).</summary>
public interface IFeatureWriteListener
{
    /// <summary>
    /// <paramref name="results"/> are stored. Called on the writer's thread: keep it short and never throw (a failure
    /// here would fail a write the store already took).
    /// </summary>
    void Written(IReadOnlyList<FeatureResult> results);
}
