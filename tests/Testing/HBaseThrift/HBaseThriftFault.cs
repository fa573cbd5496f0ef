namespace FeaturePlatform.Testing.HBaseThrift;

/// <summary>What the fixture server does to a call hit by a fault rule (see HBaseThrift/README.md).</summary>
public enum HBaseThriftFaultKind
{
    /// <summary>The call is not executed; the reply is a TIOError (message, canRetry).</summary>
    IOError,

    /// <summary>The call is executed; its reply is replaced by raw bytes, then the connection is closed.</summary>
    Garbage,

    /// <summary>The call is executed; the first half of its reply (with frame header) is sent, then the connection closes.</summary>
    HalfReply,

    /// <summary>The call is executed; the reply is sent after a delay.</summary>
    Delay,

    /// <summary>The call is executed; the connection is closed without a reply.</summary>
    Drop,
}

/// <summary>A fault rule: applies to the next <paramref name="Count"/> calls (-1: until cleared) of <paramref name="Method"/> (null: any).</summary>
/// <param name="Kind">What happens to the call.</param>
/// <param name="Count">How many calls it hits; -1 = every call until <c>ClearFaultsAsync</c>.</param>
/// <param name="Method">Thrift method name (e.g. <c>putMultiple</c>) or null for any method.</param>
/// <param name="Delay">For <see cref="HBaseThriftFaultKind.Delay"/>.</param>
/// <param name="CanRetry">For <see cref="HBaseThriftFaultKind.IOError"/>: TIOError.canRetry.</param>
/// <param name="Message">For <see cref="HBaseThriftFaultKind.IOError"/>: TIOError.message.</param>
/// <param name="Bytes">For <see cref="HBaseThriftFaultKind.Garbage"/>: the bytes sent (null = 0xDEADBEEF + text).</param>
/// <param name="KeepOpen">For <see cref="HBaseThriftFaultKind.Garbage"/>: keep the connection open after the bytes.</param>
public sealed record HBaseThriftFault(
    HBaseThriftFaultKind Kind,
    int Count = 1,
    string? Method = null,
    TimeSpan? Delay = null,
    bool CanRetry = true,
    string? Message = null,
    byte[]? Bytes = null,
    bool KeepOpen = false);

/// <summary>Call statistics of a fixture server since it started.</summary>
/// <param name="Calls">Calls per Thrift method name (faulted calls included).</param>
/// <param name="FaultsApplied">Faults applied per kind name (ioerror, garbage, half, delay, drop).</param>
/// <param name="Connections">Connections accepted.</param>
/// <param name="PendingRules">Fault rules with uses left.</param>
/// <param name="CallsByTable">Calls of the methods that name a table, per "method table" (e.g. "getScannerResults fp:events").</param>
public sealed record HBaseThriftStats(
    IReadOnlyDictionary<string, int> Calls,
    IReadOnlyDictionary<string, int> FaultsApplied,
    int Connections,
    int PendingRules,
    IReadOnlyDictionary<string, int> CallsByTable)
{
    /// <summary>Calls of <paramref name="method"/> so far.</summary>
    public int CallsOf(string method) => Calls.TryGetValue(method, out var n) ? n : 0;
}
