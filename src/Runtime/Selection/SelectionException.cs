namespace FeaturePlatform.Runtime.Selection;

/// <summary>A selection request that cannot run: names the field at fault (a JSON path in the request) and the fix.</summary>
/// <param name="field">The field, e.g. <c>predicate.and[1].op</c>.</param>
/// <param name="message">What is wrong and how to fix it.</param>
public sealed class SelectionException(string field, string message) : Exception(message)
{
    /// <summary>The field at fault.</summary>
    public string Field { get; } = field;
}
