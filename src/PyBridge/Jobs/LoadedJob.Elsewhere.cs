namespace FeaturePlatform.PyBridge.Jobs;

// A job whose module is imported elsewhere (PythonHost.JobDescriber): each load, reload and parameter change asks the
// describer, one at a time, and this process keeps only the answer.
public sealed partial class LoadedJob
{
    private void EnsureImportedHere()
    {
        if (_describer is not null)
        {
            throw new InvalidOperationException($"job '{Declaration.Name}' runs in worker processes; this process does not import its module");
        }
    }

    private async Task<ReloadResult> ReloadElsewhereAsync()
    {
        await _describing.WaitAsync().ConfigureAwait(false);
        try
        {
            byte[] answer;
            try
            {
                answer = await _describer!.DescribeAsync(new JobDescription(Path, _overridesJson, Strict: false), CancellationToken.None).ConfigureAwait(false);
            }
            catch (JobValidationException e)
            {
                _lastReloadError = e;
                return new ReloadResult(false, _state?.Version ?? "", e);
            }
            return Accept(answer);
        }
        finally
        {
            _describing.Release();
        }
    }

    private async Task ReloadChangedElsewhereAsync()
    {
        if (Interlocked.Exchange(ref _changed, 0) == 1)
        {
            await ReloadElsewhereAsync().ConfigureAwait(false);
        }
    }

    private async Task SetParametersElsewhereAsync(string json)
    {
        await _describing.WaitAsync().ConfigureAwait(false);
        try
        {
            var answer = await _describer!.DescribeAsync(new JobDescription(Path, json, Strict: true), CancellationToken.None).ConfigureAwait(false);
            var (state, error) = JobState.Parse(answer);
            if (state is null)
            {
                throw new ArgumentException($"job '{Declaration.Name}': {error!.Message}", "values");
            }
            if (state.Declaration.Name != Declaration.Name)
            {
                throw new ArgumentException($"job '{Declaration.Name}': its module now declares job '{state.Declaration.Name}'; a renamed job is a new job", "values");
            }
            _overridesJson = json;
            var previous = _state.Version;
            _state = state;
            if (previous != state.Version)
            {
                VersionChanged?.Invoke(this, state.Version);
            }
        }
        finally
        {
            _describing.Release();
        }
    }
}
