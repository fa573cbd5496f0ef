using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.Testing.Infrastructure;
using FeaturePlatform.EventCenter.Tests.Storage;
namespace FeaturePlatform.EventCenter.Tests.Adapters.Embedded.Storage;

/// <summary>The contract suite against the embedded (SQLite) backend; each test gets a fresh store directory.</summary>
public sealed class EmbeddedWideTableStoreContractTests : WideTableStoreContractTests, IDisposable
{
    private readonly List<string> directories = [];

    protected override Task<IWideTableStore> CreateStoreAsync() => Task.FromResult<IWideTableStore>(EmbeddedWideTableStore.Open(NewOptions()));

    public void Dispose()
    {
        foreach (var d in directories)
        {
            try
            {
                Directory.Delete(d, recursive: true);
            }
            catch (IOException)
            {
                // Kept for inspection if something still holds it.
            }
        }
    }

    private EmbeddedStoreOptions NewOptions()
    {
        var dir = TestPaths.NewServerDirectory("embedded-store");
        directories.Add(dir);
        return new EmbeddedStoreOptions { Directory = dir };
    }
}
