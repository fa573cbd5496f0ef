using FeaturePlatform.PyBridge;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>
/// The publishing flow's gates: an upload is validated and registered (<see cref="VersionState.Validated"/>), backtested
/// against the live version (<see cref="VersionState.Backtested"/>), approved by a reviewer other than its author
/// (<see cref="VersionState.Approved"/>), promoted (<see cref="VersionState.Live"/> in every runtime process; the version
/// it replaces is <see cref="VersionState.Retired"/>), and any earlier version can be brought back by a rollback.
/// </summary>
/// <param name="registry">The registry.</param>
/// <param name="settings">Publishing settings.</param>
/// <param name="presets">The admin's output presets a declaration may name.</param>
/// <param name="validator">Validates uploads in a sandbox process.</param>
public sealed class JobPublisher(JobVersionStore registry, PublishingSettings settings, Outputs.OutputPresets presets, SandboxValidator validator)
{
    /// <summary>
    /// Validates and registers an upload: <paramref name="files"/> (path within the upload → source) hold exactly one
    /// job module at the top level (a <c>.py</c> not starting with <c>_</c>) and any helper modules it brings; the
    /// current shared helper modules are importable too. In a sandbox process (<see cref="SandboxValidator"/>) the module
    /// is imported, its own tests (<c>test_*.py</c> files of the upload, <c>test_*</c> functions of the module) run and its
    /// output schema is checked; here its declaration is checked (its name must be <paramref name="job"/>), and the version
    /// registered with the modules it imported: what it pins. Files named <c>test_*.py</c> are tests, never the job module.
    /// </summary>
    /// <exception cref="PublishingException">The upload is malformed, or the module fails (file and line named).</exception>
    public async Task<PublishedVersion> PublishAsync(PythonHost host, string job, IReadOnlyDictionary<string, string> files,
        string author, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(files);
        var jobFiles = files.Keys.Where(f => !f.Contains('/', StringComparison.Ordinal) && f.EndsWith(".py", StringComparison.Ordinal) && !f.StartsWith('_')
            && !f.StartsWith("test_", StringComparison.Ordinal)).ToList();
        if (jobFiles.Count != 1)
        {
            throw new PublishingException(PublishingRefusal.BadRequest, "file",
                $"the upload must hold exactly one job module at its top level (a .py file not starting with '_' or 'test_'); found {(jobFiles.Count == 0 ? "none" : string.Join(", ", jobFiles))}. " +
                "Put helper modules in a package folder or name them _helper.py.");
        }
        foreach (var path in files.Keys)
        {
            if (!path.EndsWith(".py", StringComparison.Ordinal) || path.Split('/').Any(p => p is "" or "." or ".."))
            {
                throw new PublishingException(PublishingRefusal.BadRequest, "file", $"'{path}' is not a Python module path inside the upload (only relative .py paths)");
            }
        }
        var staging = Path.Combine(settings.Directory, "staging", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            // The shared helper modules first, then the upload (an uploaded module of the same name wins).
            var helpers = await registry.CurrentHelpersAsync(cancellationToken);
            foreach (var (module, (_, source)) in helpers)
            {
                WriteFile(staging, JobVersionContent.RelativePath(module, helpers.Keys, "_"), source);
            }
            foreach (var (path, source) in files)
            {
                WriteFile(staging, path, source);
            }
            var jobPath = Path.Combine(staging, jobFiles[0]);
            // Imported, tested and schema-checked in a sandbox process, never in this one.
            var report = await validator.ValidateAsync(host, staging, jobFiles[0], cancellationToken);
            var declaration = report.Declaration;
            if (declaration.Name != job)
            {
                throw new PublishingException(PublishingRefusal.Invalid, "file",
                    $"{jobFiles[0]}:{declaration.Line}: the module declares job '{declaration.Name}', not '{job}'; publish it under its own name or rename the job",
                    jobFiles[0], declaration.Line);
            }
            if (Triggers.TriggerFilter.Unknown(declaration) is { } unknown)
            {
                throw new PublishingException(PublishingRefusal.Invalid, "file",
                    $"{jobFiles[0]}:{declaration.Line}: Trigger where= names '{unknown}', which is no event type; use {string.Join(", ", Triggers.TriggerFilter.Types)}",
                    jobFiles[0], declaration.Line);
            }
            if (presets.Unknown(declaration.Sinks) is { } sink)
            {
                throw new PublishingException(PublishingRefusal.Invalid, "sinks",
                    $"{jobFiles[0]}:{declaration.Line}: sinks= names '{sink}', which is no output preset; use one of {string.Join(", ", presets.Names)} (admins define presets under Runtime:Outputs:Presets)",
                    jobFiles[0], declaration.Line);
            }
            var modules = JobVersionContent.Read(jobPath, report.LibraryModules, [staging, .. host.Options.LibraryDirectories.Select(Path.GetFullPath)]);
            var (version, _) = await registry.RegisterAsync(job, report.Version, modules, author, message,
                PublishedVersionSync.Declaration(declaration), VersionState.Validated, cancellationToken, $"{message} — {report.Summary}");
            return version;
        }
        finally
        {
            Directory.Delete(staging, true);
        }
    }

    /// <summary>Records that <paramref name="version"/> was backtested and compared with the live version (<paramref name="note"/>: the backtest and comparison).</summary>
    public async Task<PublishedVersion> MarkBacktestedAsync(string job, string version, string by, string note, CancellationToken cancellationToken = default)
    {
        await FindAsync(job, version, cancellationToken);
        return await registry.TransitionAsync(version, [VersionState.Validated, VersionState.Backtested], VersionState.Backtested, by, note, cancellationToken)
            ?? throw Conflict(version, "only a validated version can be backtested");
    }

    /// <summary>Approves <paramref name="version"/>: by a reviewer other than its author, after its backtest (unless <see cref="PublishingSettings.RequireBacktest"/> is off).</summary>
    public async Task<PublishedVersion> ApproveAsync(string job, string version, string reviewer, string reason, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(job, version, cancellationToken);
        if (string.Equals(found.Author, reviewer, StringComparison.Ordinal))
        {
            throw new PublishingException(PublishingRefusal.Forbidden, "reviewer", $"'{reviewer}' published version {version}; another reviewer must approve it");
        }
        VersionState[] from = settings.RequireBacktest ? [VersionState.Backtested] : [VersionState.Validated, VersionState.Backtested];
        return await registry.TransitionAsync(version, from, VersionState.Approved, reviewer, reason, cancellationToken)
            ?? throw Conflict(version, settings.RequireBacktest
                ? $"version {version} is {found.State}: approve a backtested version (run POST /api/registry/jobs/{job}/versions/{version}/backtest first)"
                : $"version {version} is {found.State}: only a validated or backtested version can be approved");
    }

    /// <summary>Rejects <paramref name="version"/> (a reviewer other than its author).</summary>
    public async Task<PublishedVersion> RejectAsync(string job, string version, string reviewer, string reason, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(job, version, cancellationToken);
        if (string.Equals(found.Author, reviewer, StringComparison.Ordinal))
        {
            throw new PublishingException(PublishingRefusal.Forbidden, "reviewer", $"'{reviewer}' published version {version}; another reviewer must review it");
        }
        return await registry.TransitionAsync(version, [VersionState.Validated, VersionState.Backtested, VersionState.Approved], VersionState.Rejected, reviewer, reason,
            cancellationToken) ?? throw Conflict(version, $"version {version} is {found.State}: only a version under review can be rejected");
    }

    /// <summary>Makes the approved <paramref name="version"/> live in every runtime process; the version live before is retired.</summary>
    /// <param name="job">The job.</param>
    /// <param name="version">The approved version.</param>
    /// <param name="by">Who promotes.</param>
    /// <param name="running">The version this process runs now: recorded as the previous one when nothing was promoted before.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public Task<LivePointer> PromoteAsync(string job, string version, string by, string running, CancellationToken cancellationToken = default) =>
        SwitchAsync(job, version, by, running, "promote", [VersionState.Approved, VersionState.Retired],
            "only an approved version (or one that was live before: retired) can be promoted", cancellationToken);

    /// <summary>
    /// Retires the job: its live version becomes <see cref="VersionState.Retired"/> and the live pointer names no
    /// version, so every runtime process stops running it live and on call; its versions stay in the registry, and
    /// promoting (or rolling back to) one runs it again.
    /// </summary>
    /// <param name="job">The job.</param>
    /// <param name="by">Who retires it.</param>
    /// <param name="reason">Why.</param>
    /// <param name="running">The version this process runs now: the one retired when nothing was promoted before.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public async Task<LivePointer> RetireAsync(string job, string by, string reason, string running, CancellationToken cancellationToken = default)
    {
        var before = await registry.GetLiveAsync(job, cancellationToken);
        if (before is { Version.Length: 0 })
        {
            throw new PublishingException(PublishingRefusal.Conflict, "job", $"job '{job}' is already retired; promote a version to run it again");
        }
        if (before is null && running.Length == 0)
        {
            throw new PublishingException(PublishingRefusal.NotFound, "job", $"job '{job}' has no live version to retire (GET /api/registry/jobs/{job}/versions lists its versions)");
        }
        var pointer = await registry.SetLiveAsync(job, "", by, "retire", before, before is null ? running : "", cancellationToken)
            ?? throw new PublishingException(PublishingRefusal.Conflict, "job", "another promotion, rollback or retirement of this job came first; reload and try again");
        await registry.TransitionAsync(pointer.Previous, [VersionState.Live, VersionState.Local], VersionState.Retired, by, $"job retired: {reason}", cancellationToken);
        return pointer;
    }

    /// <summary>Brings back an earlier version (one that was live, or registered from the jobs directory, or approved) in one step.</summary>
    public Task<LivePointer> RollbackAsync(string job, string version, string by, string running, CancellationToken cancellationToken = default) =>
        SwitchAsync(job, version, by, running, "rollback", [VersionState.Retired, VersionState.Local, VersionState.Approved],
            "roll back to a version that was live before (retired), a jobs-directory version or an approved one", cancellationToken);

    private async Task<LivePointer> SwitchAsync(string job, string version, string by, string running, string action, VersionState[] from, string rule,
        CancellationToken cancellationToken)
    {
        var found = await FindAsync(job, version, cancellationToken);
        var before = await registry.GetLiveAsync(job, cancellationToken);
        if (before?.Version == version)
        {
            throw Conflict(version, $"version {version} is already live");
        }
        if (!from.Contains(found.State))
        {
            throw Conflict(version, $"version {version} is {found.State}: {rule}");
        }
        var pointer = await registry.SetLiveAsync(job, version, by, action, before, before is null ? running : "", cancellationToken)
            ?? throw Conflict(version, "another promotion or rollback of this job came first; reload and try again");
        await registry.TransitionAsync(version, from, VersionState.Live, by, action, cancellationToken);
        if (pointer.Previous.Length > 0)
        {
            await registry.TransitionAsync(pointer.Previous, [VersionState.Live, VersionState.Local], VersionState.Retired, by, $"replaced by {version} ({action})", cancellationToken);
        }
        return pointer;
    }

    private async Task<PublishedVersion> FindAsync(string job, string version, CancellationToken cancellationToken)
    {
        var found = await registry.GetAsync(version, cancellationToken);
        return found is not null && found.Job == job
            ? found
            : throw new PublishingException(PublishingRefusal.NotFound, "version", $"job '{job}' has no version '{version}' in the registry (GET /api/registry/jobs/{job}/versions lists them)");
    }

    private static PublishingException Conflict(string version, string message) => new(PublishingRefusal.Conflict, "version", message);

    private static void WriteFile(string root, string relative, string source)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        if (!path.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new PublishingException(PublishingRefusal.BadRequest, "file", $"'{relative}' points outside the upload");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, source);
    }
}
