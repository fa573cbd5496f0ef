using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.EventCenter.Tests.Storage;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>The test fake keeps the storage contract too, so logic tested against it means the same on the backends.</summary>
public sealed class InMemoryWideTableStoreContractTests : WideTableStoreContractTests
{
    protected override Task<IWideTableStore> CreateStoreAsync() => Task.FromResult<IWideTableStore>(new InMemoryWideTableStore());
}
