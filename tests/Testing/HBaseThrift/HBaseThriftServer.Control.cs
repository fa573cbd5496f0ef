using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FeaturePlatform.Testing.HBaseThrift;

/// <summary>Fault injection, table declarations and statistics over the server's HTTP control port.</summary>
public sealed partial class HBaseThriftServer
{
    /// <summary>Adds a fault rule; rules are matched in the order they were added, one rule per call.</summary>
    public Task InjectFaultAsync(HBaseThriftFault fault, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["kind"] = fault.Kind switch
            {
                HBaseThriftFaultKind.IOError => "ioerror",
                HBaseThriftFaultKind.Garbage => "garbage",
                HBaseThriftFaultKind.HalfReply => "half",
                HBaseThriftFaultKind.Delay => "delay",
                HBaseThriftFaultKind.Drop => "drop",
                _ => throw new ArgumentOutOfRangeException(nameof(fault)),
            },
            ["count"] = fault.Count,
            ["method"] = fault.Method,
            ["delayMs"] = (long)(fault.Delay ?? TimeSpan.Zero).TotalMilliseconds,
            ["canRetry"] = fault.CanRetry,
            ["message"] = fault.Message,
            ["bytesHex"] = fault.Bytes is null ? null : Convert.ToHexString(fault.Bytes),
            ["keepOpen"] = fault.KeepOpen,
        };
        return PostAsync("faults", body, cancellationToken);
    }

    /// <summary>The next <paramref name="count"/> calls are answered with a TIOError (the call is not executed).</summary>
    public Task FailWithIOErrorAsync(bool canRetry, int count = 1, string? method = null, string? message = null, CancellationToken cancellationToken = default) =>
        InjectFaultAsync(new HBaseThriftFault(HBaseThriftFaultKind.IOError, count, method, CanRetry: canRetry, Message: message), cancellationToken);

    /// <summary>The next <paramref name="count"/> replies are replaced by <paramref name="bytes"/> (default 0xDEADBEEF…), then the connection closes.</summary>
    public Task ReplyWithGarbageAsync(int count = 1, byte[]? bytes = null, string? method = null, bool keepOpen = false, CancellationToken cancellationToken = default) =>
        InjectFaultAsync(new HBaseThriftFault(HBaseThriftFaultKind.Garbage, count, method, Bytes: bytes, KeepOpen: keepOpen), cancellationToken);

    /// <summary>The next <paramref name="count"/> replies stop half way (the socket closes mid-message).</summary>
    public Task CloseMidReplyAsync(int count = 1, string? method = null, CancellationToken cancellationToken = default) =>
        InjectFaultAsync(new HBaseThriftFault(HBaseThriftFaultKind.HalfReply, count, method), cancellationToken);

    /// <summary>The next <paramref name="count"/> replies are sent <paramref name="delay"/> late.</summary>
    public Task DelayRepliesAsync(TimeSpan delay, int count = 1, string? method = null, CancellationToken cancellationToken = default) =>
        InjectFaultAsync(new HBaseThriftFault(HBaseThriftFaultKind.Delay, count, method, Delay: delay), cancellationToken);

    /// <summary>The next <paramref name="count"/> calls are executed and their connection closed without a reply.</summary>
    public Task DropConnectionAsync(int count = 1, string? method = null, CancellationToken cancellationToken = default) =>
        InjectFaultAsync(new HBaseThriftFault(HBaseThriftFaultKind.Drop, count, method), cancellationToken);

    /// <summary>Removes every pending fault rule.</summary>
    public Task ClearFaultsAsync(CancellationToken cancellationToken = default) =>
        PostAsync("faults/clear", new JsonObject(), cancellationToken);

    /// <summary>Declares (or replaces, emptying it) a table with its families.</summary>
    public Task CreateTableAsync(HBaseTableSpec table, CancellationToken cancellationToken = default)
    {
        var families = new JsonObject();
        foreach (var f in table.Families)
        {
            families[f.Name] = new JsonObject
            {
                ["maxVersions"] = f.MaxVersions,
                ["ttlSeconds"] = f.TimeToLive is { } t ? (long)Math.Ceiling(t.TotalSeconds) : null,
            };
        }
        return PostAsync("tables", new JsonObject { ["name"] = table.Name, ["families"] = families }, cancellationToken);
    }

    /// <summary>Removes a table; later calls on it raise TIOError (TableNotFoundException) unless auto-create recreates it.</summary>
    public Task DropTableAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync("tables/drop", new JsonObject { ["name"] = name }, cancellationToken);

    /// <summary>Removes every cell of every table (declarations stay).</summary>
    public Task ClearDataAsync(CancellationToken cancellationToken = default) =>
        PostAsync("clear", new JsonObject(), cancellationToken);

    /// <summary>Calls per method, faults applied and connections since the server (re)started.</summary>
    public async Task<HBaseThriftStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await control.GetAsync("stats", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = doc.RootElement;
        return new HBaseThriftStats(
            Counts(root.GetProperty("calls")),
            Counts(root.GetProperty("faultsApplied")),
            root.GetProperty("connections").GetInt32(),
            root.GetProperty("rules").GetArrayLength(),
            Counts(root.GetProperty("callsByTable")));
    }

    private static Dictionary<string, int> Counts(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    private async Task PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        // Declarations and clears are idempotent: one whose connection broke before the answer (seen rarely, right
        // after a restart of the server by an earlier test) is simply sent again. A fault rule is not: it would apply twice.
        var idempotent = path != "faults";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await PostOnceAsync(path, body, cancellationToken);
                return;
            }
            catch (HttpRequestException) when (idempotent && attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }
        }
    }

    private async Task PostOnceAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        // A sized body: the control server (http.server) does not read chunked requests.
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await control.PostAsync(path, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"HBase Thrift fixture control {path} failed: {(int)response.StatusCode} {text}");
        }
    }
}
