using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase;

/// <summary>
/// Runs <c>THBaseService</c> calls on pooled connections with retries: a call that failed before anything was
/// sent (connect failure) is always retried; other transient failures (broken connection, timeout,
/// <see cref="HBaseIOException"/> with <see cref="HBaseIOException.CanRetry"/>) only for idempotent calls.
/// Backoff doubles from <see cref="HBaseOptions.RetryBaseDelay"/> up to <see cref="HBaseOptions.RetryMaxDelay"/>.
/// </summary>
internal sealed class HBaseClient : IAsyncDisposable
{
    private readonly HBaseOptions options;

    public HBaseClient(HBaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        Pool = new HBaseConnectionPool(options);
    }

    public HBaseOptions Options => options;

    public HBaseConnectionPool Pool { get; }

    /// <summary>Retries performed so far (for tests and metrics).</summary>
    public int Retries => Volatile.Read(ref retries);

    private int retries;

    public async ValueTask<T> ExecuteAsync<TState, T>(
        TState state, Func<THBaseServiceClient, TState, CancellationToken, ValueTask<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var client = await RentWithRetryAsync(attempt, cancellationToken).ConfigureAwait(false);
            try
            {
                return await call(client, state, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < options.MaxRetries && IsRetryable(e, idempotent))
            {
                // Fall through to the backoff below.
            }
            finally
            {
                await Pool.ReturnAsync(client).ConfigureAwait(false);
            }
            Interlocked.Increment(ref retries);
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => Pool.DisposeAsync();

    internal static bool IsRetryable(Exception e, bool idempotent) => e switch
    {
        ThriftTransportException t => t.BeforeSend || idempotent,
        HBaseIOException io => io.CanRetry && idempotent,
        _ => false,
    };

    internal TimeSpan Backoff(int attempt)
    {
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private async ValueTask<THBaseServiceClient> RentWithRetryAsync(int attempt, CancellationToken cancellationToken)
    {
        for (var connectAttempt = attempt; ; connectAttempt++)
        {
            try
            {
                return await Pool.RentAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ThriftTransportException e) when (e.BeforeSend && connectAttempt < options.MaxRetries)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(Backoff(connectAttempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
