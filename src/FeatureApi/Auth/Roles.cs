namespace FeaturePlatform.FeatureApi.Auth;

/// <summary>The roles an API key can hold, and the authorization policies built from them.</summary>
public static class Roles
{
    /// <summary>Everything, including the audit log and corrections.</summary>
    public const string Admin = "admin";

    /// <summary>Job authors: may post messages (e.g. call-mode requests) and launch backtests.</summary>
    public const string Author = "author";

    /// <summary>Operators: may post messages and propose parameter changes.</summary>
    public const string Operator = "operator";

    /// <summary>Reviewers: approve or reject parameter proposals.</summary>
    public const string Reviewer = "reviewer";

    /// <summary>Read-only access.</summary>
    public const string Reader = "reader";

    /// <summary>Every known role.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, Author, Operator, Reviewer, Reader];

    /// <summary>Policy: any role (every read endpoint).</summary>
    public const string ReadPolicy = "read";

    /// <summary>Policy: author, operator or admin (message forwarding).</summary>
    public const string ForwardPolicy = "forward";

    /// <summary>Policy: operator or admin (parameter proposals).</summary>
    public const string OperatePolicy = "operate";

    /// <summary>Policy: reviewer or admin (approving and rejecting proposals).</summary>
    public const string ReviewPolicy = "review";

    /// <summary>Policy: author or admin (backtests).</summary>
    public const string AuthorPolicy = "author";

    /// <summary>
    /// Policy: author, operator, reviewer or admin (launching a backtest). Operators and reviewers may launch only the
    /// backtest of a parameter proposal ("backtest this proposal"); the handler refuses them anything else.
    /// </summary>
    public const string BacktestPolicy = "backtest";

    /// <summary>Policy: admin only (corrections, audit log).</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The roles each policy accepts.</summary>
    public static IReadOnlyDictionary<string, string[]> Policies { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [ReadPolicy] = [Admin, Author, Operator, Reviewer, Reader],
        [ForwardPolicy] = [Author, Operator, Admin],
        [OperatePolicy] = [Operator, Admin],
        [ReviewPolicy] = [Reviewer, Admin],
        [AuthorPolicy] = [Author, Admin],
        [BacktestPolicy] = [Author, Operator, Reviewer, Admin],
        [AdminPolicy] = [Admin],
    };
}
