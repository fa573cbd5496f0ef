using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>States of a proposal: Pending → Approved or Rejected (set once, by check-and-put).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProposalState>))]
public enum ProposalState
{
    /// <summary>Waiting for a reviewer.</summary>
    Pending,

    /// <summary>Approved by a reviewer other than the proposer; applied unless <see cref="ParameterProposal.ApplyError"/> says otherwise.</summary>
    Approved,

    /// <summary>Rejected by a reviewer other than the proposer.</summary>
    Rejected,
}

/// <summary>A proposed change of a job's parameters.</summary>
/// <param name="Id">Time-ordered id.</param>
/// <param name="Job">The job.</param>
/// <param name="State">Where it is in the workflow.</param>
/// <param name="Values">Parameter → proposed value.</param>
/// <param name="Previous">Parameter → value when it was proposed.</param>
/// <param name="ProposedBy">The proposer's key name.</param>
/// <param name="ProposedAt">When, ms since the Unix epoch.</param>
/// <param name="Reason">Why, as the proposer said.</param>
/// <param name="ReviewedBy">The reviewer's key name, once reviewed.</param>
/// <param name="ReviewedAt">When reviewed.</param>
/// <param name="ReviewReason">The reviewer's comment.</param>
/// <param name="AppliedAt">When the approved values were applied to the job.</param>
/// <param name="ApplyError">Why applying the approved values failed, if it did.</param>
/// <param name="EffectiveAt">When the change takes effect once approved (ms since the Unix epoch); null: at approval.</param>
public sealed record ParameterProposal(
    string Id,
    string Job,
    ProposalState State,
    IReadOnlyDictionary<string, JsonElement> Values,
    IReadOnlyDictionary<string, JsonElement> Previous,
    string ProposedBy,
    long ProposedAt,
    string Reason,
    string? ReviewedBy = null,
    long? ReviewedAt = null,
    string? ReviewReason = null,
    long? AppliedAt = null,
    string? ApplyError = null,
    long? EffectiveAt = null);
