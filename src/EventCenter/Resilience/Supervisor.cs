using Polly;
using Polly.Retry;

namespace FeaturePlatform.EventCenter.Resilience;

/// <summary>What a supervised loop is told when it failed and will run again.</summary>
/// <param name="Error">The failure.</param>
/// <param name="Failures">Failures in a row (1 = the first since the loop last ran well).</param>
/// <param name="Delay">The pause before the next run.</param>
public readonly record struct SupervisedFailure(Exception Error, int Failures, TimeSpan Delay);

/// <summary>
/// Runs a long-lived loop (a consumer, a forwarder connection, a live runner) again after it fails, with
/// <see cref="Backoff"/> between runs, until cancelled — a Polly retry pipeline that never gives up. A run that lasted
/// longer than <see cref="Backoff.Max"/> counts as having run well: the next failure pauses <see cref="Backoff.Initial"/> again.
/// </summary>
public sealed class Supervisor
{
    private readonly Backoff backoff;
    private readonly TimeProvider clock;
    private readonly ResiliencePipeline pipeline;
    private int failures;
    private DateTimeOffset started;

    /// <summary>Creates a supervisor; <paramref name="onFailure"/> logs and records each failure before its pause.</summary>
    public Supervisor(Backoff backoff, TimeProvider clock, Func<SupervisedFailure, ValueTask> onFailure)
    {
        ArgumentNullException.ThrowIfNull(backoff);
        ArgumentNullException.ThrowIfNull(onFailure);
        this.backoff = backoff;
        this.clock = clock;
        pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(NextDelay()),
                OnRetry = args => onFailure(new SupervisedFailure(args.Outcome.Exception!, failures, args.RetryDelay)),
            })
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="run"/> until it returns normally or <paramref name="cancellationToken"/> is cancelled; a
    /// failure runs it again after the back-off. Returns normally on cancellation.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await pipeline.ExecuteAsync(
                async (state, ct) =>
                {
                    started = clock.GetUtcNow();
                    await state(ct);
                },
                run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private TimeSpan NextDelay()
    {
        if (clock.GetUtcNow() - started > backoff.Max)
        {
            failures = 0;
        }
        return backoff.DelayAfter(++failures);
    }
}
