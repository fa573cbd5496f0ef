namespace FeaturePlatform.FeatureApi.Audit;

/// <summary>One audited write.</summary>
/// <param name="At">When the request arrived, ms since the Unix epoch.</param>
/// <param name="Actor">The key holder's name, or <c>anonymous</c>.</param>
/// <param name="Roles">The holder's roles.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path (no query string).</param>
/// <param name="Route">The matched route pattern, or null when no endpoint matched.</param>
/// <param name="Status">The answer's HTTP status.</param>
/// <param name="Outcome">
/// succeeded, rejected (4xx), unauthenticated (401), forbidden (403), abandoned (499: the client closed the connection
/// before the answer; the write may or may not have taken effect) or failed (5xx).
/// </param>
/// <param name="DurationMs">Time to answer in ms.</param>
public sealed record AuditRecord(long At, string Actor, IReadOnlyList<string> Roles, string Method, string Path, string? Route, int Status, string Outcome, double DurationMs)
{
    /// <summary>
    /// What the write acted on beyond its path, when the endpoint names it (e.g. a promotion or rollback: the version
    /// it made live and the one it replaced); null otherwise. Endpoints set it with <see cref="Describe"/>.
    /// </summary>
    public string? Detail { get; init; }

    /// <summary>Names what the current write acts on, for its audit record (<see cref="Detail"/>); the last call wins.</summary>
    public static void Describe(HttpContext context, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[DetailKey] = detail;
    }

    internal static string? DetailOf(HttpContext context) => context.Items.TryGetValue(DetailKey, out var detail) ? detail as string : null;

    private static readonly object DetailKey = new();

    /// <summary>The outcome name for a status code.</summary>
    public static string OutcomeOf(int status) => status switch
    {
        < 400 => "succeeded",
        401 => "unauthenticated",
        403 => "forbidden",
        StatusCodes.Status499ClientClosedRequest => "abandoned",
        < 500 => "rejected",
        _ => "failed",
    };
}
