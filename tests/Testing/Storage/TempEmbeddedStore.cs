using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

namespace FeaturePlatform.Testing.Storage;

/// <summary>An embedded store (SQLite files) in a fresh temporary directory; disposing it closes the store and deletes the directory.</summary>
public sealed class TempEmbeddedStore : IAsyncDisposable
{
    private TempEmbeddedStore(string directory, EmbeddedWideTableStore store)
    {
        Directory = directory;
        Store = store;
    }

    /// <summary>The directory holding the store's files.</summary>
    public string Directory { get; }

    /// <summary>The open store.</summary>
    public EmbeddedWideTableStore Store { get; }

    /// <summary>Opens a store in a new directory under the temporary path whose name starts with <paramref name="prefix"/>.</summary>
    public static TempEmbeddedStore Open(string prefix)
    {
        var directory = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        return new TempEmbeddedStore(directory, EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = directory }));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
