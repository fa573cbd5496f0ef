using System.Text.Json;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// The outcome of a call, as stored for polling (<see cref="CallLedger"/>), published to a request–message caller
/// and returned by the API: JSON <c>{"requestId","job","state","jobVersion","results":[{…}],"error","traceback"}</c>.
/// </summary>
/// <param name="RequestId">The request id.</param>
/// <param name="Job">The job.</param>
/// <param name="State"><see cref="Done"/> or <see cref="Failed"/>.</param>
/// <param name="JobVersion">The job version that ran (null when the job could not run at all).</param>
/// <param name="Results">The result rows, each a JSON object of column → value (empty when failed).</param>
/// <param name="Error">"ErrorType: message" when failed, else null.</param>
public sealed record CallAnswer(string RequestId, string Job, string State, string? JobVersion, IReadOnlyList<JsonElement> Results, string? Error)
{
    /// <summary>The Python traceback when the logic raised (file, line and the failing code), else null.</summary>
    public string? Traceback { get; init; }

    /// <summary>State of a call whose logic returned (possibly no rows).</summary>
    public const string Done = "done";

    /// <summary>State of a call whose logic raised, or that could not run; <see cref="Error"/> says why.</summary>
    public const string Failed = "failed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The answer of a computed call.</summary>
    public static CallAnswer From(string job, CallResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.Results.Select(r => JsonDocument.Parse(ResultJson.SerializeValues(r)).RootElement.Clone()).ToList();
        return result.Error is null
            ? new CallAnswer(result.Event.EventId, job, Done, result.JobVersion, rows, null)
            : new CallAnswer(result.Event.EventId, job, Failed, result.JobVersion, [], $"{result.Error.ErrorType}: {result.Error.Message}")
            {
                Traceback = result.Error.Traceback,
            };
    }

    /// <summary>The answer of a call that could not run (e.g. the job is not loaded in the worker's process).</summary>
    public static CallAnswer Failure(string requestId, string job, string error) => new(requestId, job, Failed, null, [], error);

    /// <summary>The JSON document.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads a document written by <see cref="ToJson"/>.</summary>
    public static CallAnswer FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<CallAnswer>(json, Json) ?? throw new JsonException("A call answer is null.");
}
