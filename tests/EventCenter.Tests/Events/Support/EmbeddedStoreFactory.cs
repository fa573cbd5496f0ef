using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>The embedded (SQLite) backend, one fresh directory per store, removed when the store is disposed.</summary>
public sealed class EmbeddedStoreFactory : IWideTableStoreFactory
{
    public Task<IWideTableStore> CreateAsync()
    {
        var directory = TestPaths.NewServerDirectory("embedded-events");
        var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory });
        return Task.FromResult<IWideTableStore>(new DelegatingStore(store, onDispose: () => DeleteDirectory(directory)));
    }

    public int RandomizedSeeds => 12;

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Kept for inspection if something still holds it.
        }
    }
}
