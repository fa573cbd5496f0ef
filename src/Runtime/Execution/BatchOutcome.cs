namespace FeaturePlatform.Runtime.Execution;

/// <summary>What one batch of the run loop produced.</summary>
/// <param name="Results">Result rows, in event order (written to every output).</param>
/// <param name="Errors">Events whose logic failed (written to the error log).</param>
public sealed record BatchOutcome(IReadOnlyList<FeatureResult> Results, IReadOnlyList<JobError> Errors);
