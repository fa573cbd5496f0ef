using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.FeatureApi.Audit;
using FeaturePlatform.Testing.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.FeatureApi.Tests.Auth;

public sealed class AuditMiddlewareTests
{
    [Fact]
    public async Task A_write_the_client_abandons_is_audited_as_abandoned_not_as_a_server_failure()
    {
        await using var store = EmbeddedWideTableStore.Open(new EmbeddedStoreOptions { Directory = TestPaths.NewServerDirectory("audit-abandoned") });
        await using var log = new AuditLog(store);
        await log.EnsureTableAsync();
        using var connection = new CancellationTokenSource();
        // The endpoint is still reading the request when the client closes the connection: its read throws.
        var middleware = new AuditMiddleware(async context =>
        {
            await connection.CancelAsync();
            context.RequestAborted.ThrowIfCancellationRequested();
        }, log, TimeProvider.System, NullLogger<AuditMiddleware>.Instance);
        var abandoned = new DefaultHttpContext { RequestAborted = connection.Token };
        abandoned.Request.Method = "POST";
        abandoned.Request.Path = "/api/sources/orders/messages";
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => middleware.InvokeAsync(abandoned));

        // A failure of the server's own is still a 500.
        var failing = new AuditMiddleware(_ => throw new InvalidOperationException("broken"), log, TimeProvider.System, NullLogger<AuditMiddleware>.Instance);
        var failed = new DefaultHttpContext();
        failed.Request.Method = "POST";
        failed.Request.Path = "/api/corrections/orders";
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.InvokeAsync(failed));

        var records = await log.RecentAsync(10, null);
        var gone = Assert.Single(records, r => r.Path == "/api/sources/orders/messages");
        Assert.Equal((499, "abandoned"), (gone.Status, gone.Outcome));
        var broken = Assert.Single(records, r => r.Path == "/api/corrections/orders");
        Assert.Equal((500, "failed"), (broken.Status, broken.Outcome));
    }
}
