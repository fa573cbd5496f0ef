using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.FeatureApi.Publishing;

/// <summary>
/// The authors' publishing commands, next to <c>replay</c>: <c>publish</c>, <c>versions</c>, <c>backtest</c>,
/// <c>approve</c>, <c>promote</c>, <c>rollback</c>, <c>retire</c>, <c>scenarios</c>, <c>scenario</c>. They call a running platform's publishing API
/// (<c>/api/registry</c>) with the caller's API key, so the same gates, roles and audit log apply as in the UI.
/// Exit code 0 when the platform accepted, 1 when it refused (the reason is printed: for a module that fails
/// validation, its file and line), 2 for bad arguments.
/// </summary>
internal static class PublishCommands
{
    /// <summary>The command words this class handles.</summary>
    public static IReadOnlySet<string> Words { get; } = new HashSet<string>(StringComparer.Ordinal) { "publish", "versions", "backtest", "approve", "promote", "rollback", "retire", "scenarios", "scenario" };

    private static readonly Option<string> JobOption = new("--job") { Description = "the job", Required = true };
    private static readonly Option<string> VersionOption = new("--version") { Description = "the version (content hash)", Required = true };
    private static readonly Option<string> UrlOption = new("--url")
    {
        Description = "the platform (default: $FP_URL, else http://127.0.0.1:5080)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FP_URL") ?? "http://127.0.0.1:5080",
    };
    private static readonly Option<string> KeyOption = new("--key")
    {
        Description = "your API key (default: $FP_API_KEY)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FP_API_KEY") ?? "",
    };
    private static readonly Option<string> FileOption = new("--file") { Description = "the job module (.py) or a zip of modules", Required = true };
    private static readonly Option<string> MessageOption = new("--message", "-m") { Description = "what changed", Required = true };
    private static readonly Option<string> ReasonOption = new("--reason") { Description = "why (reviews)", DefaultValueFactory = _ => "" };
    private static readonly Option<string> ScenarioOption = new("--name") { Description = "the standard scenario (see 'scenarios')", Required = true };
    private static readonly Option<string[]> ParamOption = new("--param") { Description = "a scenario parameter as name=value (repeatable)", AllowMultipleArgumentsPerToken = false };
    private static readonly Option<string> ScenarioMessageOption = new("--message", "-m") { Description = "what the draft is (default: the scenario and its values)", DefaultValueFactory = _ => "" };
    private static readonly Option<string> RetireReasonOption = new("--reason") { Description = "why the job is retired", Required = true };
    private static readonly Option<string> FromOption = new("--from") { Description = "start of the backtest range (ISO-8601 or epoch ms)", Required = true };
    private static readonly Option<string> ToOption = new("--to") { Description = "end of the range, exclusive (ISO-8601 or epoch ms)", Required = true };

    public const string Usage = """
        usage: publish  --job <name> --file <module.py|modules.zip> -m <message>
               versions --job <name>
               backtest --job <name> --version <hash> --from <iso|ms> --to <iso|ms>
               approve  --job <name> --version <hash> [--reason <text>]
               promote  --job <name> --version <hash>
               rollback --job <name> --version <hash>
               retire   --job <name> --reason <text>
               scenarios
               scenario --name <scenario> --job <new job> [--param name=value ...] [-m <message>]
          every command: [--url <platform>] [--key <api key>] (defaults: $FP_URL, $FP_API_KEY)
        exit code: 0 accepted, 1 refused (reason printed), 2 bad arguments
        """;

    /// <summary>Runs <paramref name="args"/> (starting with the command word); <paramref name="handler"/> replaces the network (tests).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var word = args[0];
        Command command = word switch
        {
            "publish" => new(word) { JobOption, FileOption, MessageOption, UrlOption, KeyOption },
            "versions" => new(word) { JobOption, UrlOption, KeyOption },
            "backtest" => new(word) { JobOption, VersionOption, FromOption, ToOption, UrlOption, KeyOption },
            "approve" => new(word) { JobOption, VersionOption, ReasonOption, UrlOption, KeyOption },
            "retire" => new(word) { JobOption, RetireReasonOption, UrlOption, KeyOption },
            "scenarios" => new(word) { UrlOption, KeyOption },
            "scenario" => new(word) { ScenarioOption, JobOption, ParamOption, ScenarioMessageOption, UrlOption, KeyOption },
            _ => new(word) { JobOption, VersionOption, UrlOption, KeyOption },
        };
        var parsed = command.Parse(args[1..]);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"{word}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}\n{Usage}");
            return 2;
        }
        var job = word == "scenarios" ? "" : Uri.EscapeDataString(parsed.GetValue(JobOption)!);
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.BaseAddress = new Uri(parsed.GetValue(UrlOption)!.TrimEnd('/') + "/");
        client.Timeout = TimeSpan.FromMinutes(30);
        client.DefaultRequestHeaders.Add("X-Api-Key", parsed.GetValue(KeyOption));
        HttpResponseMessage response;
        try
        {
            response = word switch
            {
                "publish" => await client.PostAsync($"api/registry/jobs/{job}/versions", Upload(parsed.GetValue(FileOption)!, parsed.GetValue(MessageOption)!)),
                "versions" => await client.GetAsync($"api/registry/jobs/{job}/versions"),
                "backtest" => await client.PostAsJsonAsync($"api/registry/jobs/{job}/versions/{Version(parsed)}/backtest",
                    new { from = Time(parsed.GetValue(FromOption)!, "--from"), to = Time(parsed.GetValue(ToOption)!, "--to") }),
                "approve" => await client.PostAsJsonAsync($"api/registry/jobs/{job}/versions/{Version(parsed)}/approve", new { reason = parsed.GetValue(ReasonOption) }),
                "scenarios" => await client.GetAsync("api/registry/scenarios"),
                "scenario" => await client.PostAsJsonAsync($"api/registry/scenarios/{Uri.EscapeDataString(parsed.GetValue(ScenarioOption)!)}",
                    new { job = parsed.GetValue(JobOption), parameters = Parameters(parsed.GetValue(ParamOption) ?? []), message = parsed.GetValue(ScenarioMessageOption) }),
                "retire" => await client.PostAsJsonAsync($"api/registry/jobs/{job}/retire", new { reason = parsed.GetValue(RetireReasonOption) }),
                _ => await client.PostAsJsonAsync($"api/registry/jobs/{job}/{word}", new { version = parsed.GetValue(VersionOption) }),
            };
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{word}: {e.Message}\n{Usage}");
            return 2;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"{word}: cannot reach the platform at {client.BaseAddress}: {e.Message}");
            return 1;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"{word}: refused ({(int)response.StatusCode}): {Detail(text)}");
                return 1;
            }
            await output.WriteLineAsync(Summary(word, text));
            return 0;
        }
    }

    private static Dictionary<string, string> Parameters(string[] pairs) => pairs.Select(p => p.Split('=', 2)).ToDictionary(
        p => p.Length == 2 && p[0].Length > 0 ? p[0] : throw new FormatException($"--param '{string.Join('=', p)}' is not name=value"), p => p[1], StringComparer.Ordinal);

    private static string Version(ParseResult parsed) => Uri.EscapeDataString(parsed.GetValue(VersionOption)!);

    private static MultipartFormDataContent Upload(string path, string message)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(path));
        content.Headers.ContentType = new MediaTypeHeaderValue(path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "application/zip" : "text/x-python");
        return new MultipartFormDataContent { { content, "file", Path.GetFileName(path) }, { new StringContent(message), "message" } };
    }

    private static long Time(string text, string name) => TimeText.Parse(text, name);

    private static string Detail(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? text : text;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static string Summary(string word, string text)
    {
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        switch (word)
        {
            case "versions":
                var live = root.GetProperty("live") is { ValueKind: JsonValueKind.Object } l ? l.GetProperty("version").GetString() : "(none promoted)";
                var lines = root.GetProperty("versions").EnumerateArray().Select(v =>
                    $"  {v.GetProperty("version").GetString()}  {v.GetProperty("state").GetString(),-10}  {DateTimeOffset.FromUnixTimeMilliseconds(v.GetProperty("createdAt").GetInt64()):u}  " +
                    $"{v.GetProperty("author").GetString()}: {v.GetProperty("message").GetString()}");
                return $"live: {live}; this process runs {root.GetProperty("running").GetString() ?? "-"}\n{string.Join('\n', lines)}";
            case "backtest":
                var counts = root.GetProperty("parity").GetProperty("counts");
                var shifts = root.GetProperty("features").EnumerateArray().Select(f => $"  {f.GetProperty("feature").GetString()}: {f.GetProperty("changed").GetInt64()} rows changed, " +
                    $"count {f.GetProperty("live").GetProperty("count")} → {f.GetProperty("candidate").GetProperty("count")}, " +
                    $"mean {f.GetProperty("live").GetProperty("mean")} → {f.GetProperty("candidate").GetProperty("mean")}, PSI {f.GetProperty("psi")}, KS {f.GetProperty("ks")}");
                return $"backtested: {counts.GetProperty("computations").GetInt64()} events, {root.GetProperty("rowsChanged").GetInt64()} rows changed vs live " +
                    $"({counts.GetProperty("equal").GetInt64()} equal)\n{string.Join('\n', shifts)}";
            case "retire":
                return $"{root.GetProperty("job").GetString()}: retired (version {root.GetProperty("previous").GetString()} no longer runs in any runtime process; promote a version to run it again)";
            case "scenarios":
                return string.Join('\n', root.EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()}: {s.GetProperty("description").GetString()}\n" +
                    string.Join('\n', s.GetProperty("parameters").EnumerateArray().Select(p =>
                        $"    {p.GetProperty("name").GetString()}  {p.GetProperty("description").GetString()}" +
                        (p.GetProperty("default").GetString() is { } d ? $" (default {d})" : " (required)")))));
            case "publish" or "approve" or "scenario":
                return $"{root.GetProperty("version").GetString()} {root.GetProperty("state").GetString()}";
            default:
                return $"{root.GetProperty("job").GetString()}: {root.GetProperty("version").GetString()} live in every runtime process from its next batch (previous {root.GetProperty("previous").GetString()})";
        }
    }
}
