using FeaturePlatform.FeatureApi.Audit;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Parameters;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>Creates (embedded) or verifies (HBase) the API's tables before the host takes traffic.</summary>
/// <remarks>Resolving <see cref="ApiKeyRegistry"/> here validates <c>Auth:Keys</c> at start, not at the first request.</remarks>
internal sealed class ApiStartup(FeatureStore features, AuditLog audit, ProposalStore proposals, ApiKeyRegistry keys) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(keys);
        await features.EnsureTableAsync(cancellationToken);
        await audit.EnsureTableAsync(cancellationToken);
        await proposals.EnsureTableAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
