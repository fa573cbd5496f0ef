using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// Imports job modules for the host in a worker process of their own (Process mode), so that module-level code — an
/// <c>os._exit</c>, a crash, a hang or a memory bomb at import — never runs in the API process: loading the jobs
/// directory, hot reloads, registry versions and parameter checks all come here. One import at a time (the worker that
/// dies is then known to have died of that module); a worker that is gone is replaced on the next import.
/// </summary>
internal sealed class JobLoaderWorker(WorkerSettings settings, PythonHostOptions python, ILogger logger) : IJobDescriber, IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private WorkerConnection? worker;
    private int started;
    private bool disposed;

    /// <summary>The loader's process id, or null when none runs.</summary>
    public int? ProcessId => worker is { Alive: true } w ? w.ProcessId : null;

    /// <inheritdoc />
    public async Task<byte[]> DescribeAsync(JobDescription request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var loader = await LiveWorkerAsync(request, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.ImportTimeout);
            try
            {
                return await loader.DescribeAsync(request, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                loader.Kill($"importing {request.Path} took longer than Runtime:Workers:ImportTimeout");
                throw new JobValidationException(request.Path, 0,
                    $"importing the module took longer than {settings.ImportTimeout.TotalSeconds:0.#} s (Runtime:Workers:ImportTimeout); module-level code must finish quickly — move slow work into the logic", "");
            }
            catch (WorkerLostException e)
            {
                throw new JobValidationException(request.Path, 0, $"importing the module ended the process importing it ({e.Message}); module-level code must not exit or crash", "");
            }
            catch (WorkerRunException e)
            {
                throw new JobValidationException(request.Path, 0, e.Message, "");
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<WorkerConnection> LiveWorkerAsync(JobDescription request, CancellationToken cancellationToken)
    {
        if (worker is { Alive: true } live)
        {
            return live;
        }
        if (worker is { } dead)
        {
            await dead.DisposeAsync();
            worker = null;
        }
        try
        {
            worker = await WorkerConnection.StartAsync($"job-loader#{++started}", settings, python, logger, cancellationToken);
            return worker;
        }
        catch (WorkerLostException e)
        {
            throw new JobValidationException(request.Path, 0, $"no worker process could be started to import the module: {e.Message}", "");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            disposed = true;
            if (worker is { } w)
            {
                worker = null;
                await w.DisposeAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
