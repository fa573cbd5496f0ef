using FeaturePlatform.FeatureApi.Audit;
using FeaturePlatform.FeatureApi.Auth;
using FeaturePlatform.FeatureApi.Parameters;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>Creates (embedded) or verifies (HBase) the API's tables before the host takes traffic.</summary>
/// <remarks>Resolving <see cref="ApiKeyRegistry"/> here validates <c>Auth:Keys</c> at start, not at the first request.</remarks>
internal sealed class ApiStartup(FeatureStore features, AuditLog audit, ProposalStore proposals, JobErrorLog errors, ApiKeyRegistry keys, ILogger<ApiStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (keys.DemoKeysEnabled)
        {
            logger.LogWarning("Auth:EnableDemoKeys is true: the well-known demo API keys (demo-admin, …) are accepted. Set it to false outside demos.");
        }
        if (keys.Count == 0)
        {
            logger.LogWarning("No API keys are configured (Auth:Keys): every endpoint but health, metrics and the API documents answers 401.");
        }
        await features.EnsureTableAsync(cancellationToken);
        await audit.EnsureTableAsync(cancellationToken);
        await proposals.EnsureTableAsync(cancellationToken);
        await errors.EnsureTableAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
