using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>Where a job version stands in the publishing flow.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VersionState>))]
public enum VersionState
{
    /// <summary>Registered from a jobs directory (dev mode): runs where it is loaded, never reviewed.</summary>
    Local,

    /// <summary>Uploaded and validated: it imports, its declaration checks out, its module names are sound.</summary>
    Validated,

    /// <summary>Backtested and compared with the live version.</summary>
    Backtested,

    /// <summary>Approved by a reviewer other than its author; may go live.</summary>
    Approved,

    /// <summary>Refused by a reviewer.</summary>
    Rejected,

    /// <summary>The version every runtime process runs.</summary>
    Live,

    /// <summary>Was live, replaced by another version; a rollback may bring it back.</summary>
    Retired,
}

/// <summary>A job version in the registry: immutable content plus its current state.</summary>
/// <param name="Job">The job's name (as declared).</param>
/// <param name="Version">The content hash of <see cref="Modules"/>.</param>
/// <param name="Author">Who published it (the API key's name; <c>jobs-directory</c> for local versions).</param>
/// <param name="Message">What the author says changed.</param>
/// <param name="CreatedAt">When it was registered (Unix ms).</param>
/// <param name="Declaration">The declaration: triggers, consistency, parameters, outputs (JSON).</param>
/// <param name="Modules">The module names it covers (the job module first, as <c>&lt;job&gt;</c>).</param>
/// <param name="State">Its state now.</param>
/// <param name="History">Its state changes, oldest first.</param>
public sealed record PublishedVersion(string Job, string Version, string Author, string Message, long CreatedAt, JsonElement Declaration,
    IReadOnlyList<string> Modules, VersionState State, IReadOnlyList<StateChange> History);

/// <summary>A state change of a version.</summary>
/// <param name="State">The new state.</param>
/// <param name="By">Who made it.</param>
/// <param name="At">When (Unix ms).</param>
/// <param name="Note">Why, or what the gate recorded (e.g. a backtest id).</param>
public sealed record StateChange(VersionState State, string By, long At, string Note);

/// <summary>Which version of a job runs live, as set by a promotion or rollback.</summary>
/// <param name="Job">The job.</param>
/// <param name="Version">The live version.</param>
/// <param name="By">Who set it.</param>
/// <param name="At">When (Unix ms; strictly increasing per job).</param>
/// <param name="Action"><c>promote</c> or <c>rollback</c>.</param>
/// <param name="Previous">The version live before, or empty.</param>
public sealed record LivePointer(string Job, string Version, string By, long At, string Action, string Previous);

/// <summary>A published shared helper module version.</summary>
/// <param name="Module">Its dotted name.</param>
/// <param name="Version">Content hash of its source.</param>
/// <param name="By">Who published it.</param>
/// <param name="At">When (Unix ms).</param>
/// <param name="Message">What changed.</param>
public sealed record HelperVersion(string Module, string Version, string By, long At, string Message);
