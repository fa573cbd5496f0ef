using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>A data source that can give each replay run its own instance (e.g. with a cache that lives as long as the run).</summary>
public interface IRunScopedDataSource
{
    /// <summary>The data source one run uses from start to end.</summary>
    IFeatureDataSource ForRun();
}
