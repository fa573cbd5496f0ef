using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>
/// Makes stores for the generic event-table test classes; adding a backend to those tests is one small factory
/// class plus one line per test class. Stores use the system clock (TTL tests work with old timestamps).
/// </summary>
public interface IWideTableStoreFactory
{
    /// <summary>A fresh store (the caller disposes it).</summary>
    Task<IWideTableStore> CreateAsync();

    /// <summary>Randomized tests run this many seeds (fewer on slower backends).</summary>
    int RandomizedSeeds { get; }
}

/// <summary>The in-memory test fake.</summary>
public sealed class InMemoryStoreFactory : IWideTableStoreFactory
{
    public Task<IWideTableStore> CreateAsync() => Task.FromResult<IWideTableStore>(new InMemoryWideTableStore());

    public int RandomizedSeeds => 40;
}
