using System.Runtime.CompilerServices;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// Host-side ids of settled-read scopes (<see cref="ISettledFetches.SettledScope"/>): every batch of one replay run names the
/// same id, so the worker's copies of its settled answers last as long as the run. Ids are never reused; a scope that is
/// collected takes its id with it.
/// </summary>
internal static class SettledScopes
{
    private static readonly ConditionalWeakTable<object, StrongBox<long>> Ids = [];
    private static long next;

    /// <summary>The scope id of <paramref name="dataSource"/>; 0 when it answers no settled fetches.</summary>
    public static long IdOf(IFeatureDataSource dataSource) =>
        dataSource is ISettledFetches { SettledScope: { } scope } ? Ids.GetValue(scope, static _ => new StrongBox<long>(Interlocked.Increment(ref next))).Value : 0;
}
