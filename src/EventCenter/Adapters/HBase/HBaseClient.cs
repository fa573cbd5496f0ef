using FeaturePlatform.EventCenter.Adapters.HBase.Generated;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// Runs generated <see cref="THBaseService.Client"/> calls on pooled connections with retries: a call that failed
/// before anything was sent (connect failure) is always retried; other transient failures (broken connection,
/// timeout, <see cref="HBaseIOException"/> with <see cref="HBaseIOException.CanRetry"/>) only for idempotent calls.
/// Backoff doubles from <see cref="HBaseOptions.RetryBaseDelay"/> up to <see cref="HBaseOptions.RetryMaxDelay"/>.
/// </summary>
internal sealed class HBaseClient : IAsyncDisposable
{
    private readonly HBaseOptions options;
    private readonly HBaseMetrics? metrics;
    private readonly string role;

    public HBaseClient(HBaseOptions options, HBaseMetrics? metrics = null, string role = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.metrics = metrics;
        this.role = role;
        Pool = new HBaseConnectionPool(options);
        metrics?.Observe(role, this);
    }

    public HBaseOptions Options => options;

    public HBaseConnectionPool Pool { get; }

    /// <summary>Retries performed so far (for tests and metrics).</summary>
    public int Retries => Volatile.Read(ref retries);

    private int retries;

    /// <summary>Runs a call that returns a result.</summary>
    public async ValueTask<T> ExecuteAsync<TState, T>(
        TState state, Func<THBaseService.Client, TState, CancellationToken, Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        if (metrics is null)
        {
            return await ExecuteWithRetriesAsync(state, call, idempotent, cancellationToken).ConfigureAwait(false);
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var succeeded = false;
        try
        {
            var result = await ExecuteWithRetriesAsync(state, call, idempotent, cancellationToken).ConfigureAwait(false);
            succeeded = true;
            return result;
        }
        finally
        {
            metrics.Record(role, started, succeeded);
        }
    }

    private async ValueTask<T> ExecuteWithRetriesAsync<TState, T>(
        TState state, Func<THBaseService.Client, TState, CancellationToken, Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = await RentWithRetryAsync(attempt, cancellationToken).ConfigureAwait(false);
            try
            {
                return await connection.CallAsync(state, call, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < options.MaxRetries && IsRetryable(e, idempotent))
            {
                // Fall through to the backoff below.
            }
            finally
            {
                Pool.Return(connection);
            }
            Interlocked.Increment(ref retries);
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a call without a result (put, delete, closeScanner).</summary>
    public async ValueTask ExecuteAsync<TState>(
        TState state, Func<THBaseService.Client, TState, CancellationToken, Task> call, bool idempotent, CancellationToken cancellationToken) =>
        await ExecuteAsync((state, call), static async (c, s, ct) =>
        {
            await s.call(c, s.state, ct).ConfigureAwait(false);
            return true;
        }, idempotent, cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => Pool.DisposeAsync();

    internal static bool IsRetryable(Exception e, bool idempotent) => e switch
    {
        HBaseTransportException t => t.BeforeSend || idempotent,
        HBaseIOException io => io.CanRetry && idempotent,
        _ => false,
    };

    /// <summary>The platform's back-off after attempt <paramref name="attempt"/> (0 = the first), with jitter so clients retrying together spread out.</summary>
    internal TimeSpan Backoff(int attempt) =>
        new Resilience.Backoff(options.RetryBaseDelay, options.RetryMaxDelay).DelayAfter(attempt + 1) * (0.5 + (Random.Shared.NextDouble() / 2));

    private async ValueTask<HBaseConnection> RentWithRetryAsync(int attempt, CancellationToken cancellationToken)
    {
        for (var connectAttempt = attempt; ; connectAttempt++)
        {
            try
            {
                return await Pool.RentAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HBaseTransportException e) when (e.BeforeSend && connectAttempt < options.MaxRetries)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(Backoff(connectAttempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
