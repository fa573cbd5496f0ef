using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace FeaturePlatform.FeatureApi.Selection;

/// <summary>
/// <c>select</c>: feature selection from the command line, a client of the platform's API (as <c>publish</c> is):
/// <c>select --job J --where '{"column": "amount", "op": "&gt;=", "value": 100}' [--columns a,b] [--max-age s] [--all]</c>
/// prints the count and the keys (tab-separated with the columns); <c>--export csv|parquet --out FILE</c> runs an export,
/// shows its progress on stderr and downloads the file; <c>--save NAME</c> saves the selection; <c>--saved NAME</c>
/// re-runs a saved one. Exit 0 on success, 1 when the platform refused or failed, 2 for bad arguments.
/// </summary>
internal static class SelectCommand
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: select --job <job> [--where <predicate JSON> | --where-file <file>] [--columns a,b] [--max-age <seconds>]
                      [--page-size <n>] [--all] [--export csv|parquet --out <file>] [--save <name> [--description <text>]]
               select --saved <name> [--page-size <n>] [--all] [--export csv|parquet --out <file>]
          every command: [--url <platform>] [--key <api key>] (defaults: $FP_URL, $FP_API_KEY)
          the predicate language: docs/selection.md
        """;

    private static readonly Option<string> JobOption = new("--job") { Description = "the job whose features are selected" };
    private static readonly Option<string> WhereOption = new("--where") { Description = "the predicate (JSON)" };
    private static readonly Option<string> WhereFileOption = new("--where-file") { Description = "a file holding the predicate (JSON)" };
    private static readonly Option<string> ColumnsOption = new("--columns") { Description = "feature columns printed (exported) with each key, comma-separated" };
    private static readonly Option<double?> MaxAgeOption = new("--max-age") { Description = "only entities updated within this many seconds" };
    private static readonly Option<int?> PageSizeOption = new("--page-size") { Description = "keys per page (default 100)" };
    private static readonly Option<bool> AllOption = new("--all") { Description = "print every page, not only the first" };
    private static readonly Option<string> ExportOption = new("--export") { Description = "csv or parquet: run an export and download it" };
    private static readonly Option<string> OutOption = new("--out") { Description = "where the export is written" };
    private static readonly Option<string> SaveOption = new("--save") { Description = "save the selection under this name" };
    private static readonly Option<string> DescriptionOption = new("--description") { Description = "what the saved selection is for" };
    private static readonly Option<string> SavedOption = new("--saved") { Description = "re-run the saved selection of this name" };
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

    /// <summary>Runs <c>select</c>; <paramref name="args"/> follow the word.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null, TimeSpan? pollInterval = null)
    {
        var command = new Command("select")
        {
            JobOption, WhereOption, WhereFileOption, ColumnsOption, MaxAgeOption, PageSizeOption, AllOption, ExportOption, OutOption, SaveOption, DescriptionOption,
            SavedOption, UrlOption, KeyOption,
        };
        var parsed = command.Parse(args);
        var job = parsed.GetValue(JobOption);
        var saved = parsed.GetValue(SavedOption);
        var export = parsed.GetValue(ExportOption);
        var problem = parsed.Errors.Count > 0 ? string.Join("; ", parsed.Errors.Select(e => e.Message))
            : (job is null) == (saved is null) ? "give --job (a new selection) or --saved (a saved one)"
            : export is not null && parsed.GetValue(OutOption) is null ? "--export needs --out <file>"
            : export is not null && export is not ("csv" or "parquet") ? "--export is csv or parquet"
            : null;
        JsonElement? predicate = null;
        if (problem is null)
        {
            try
            {
                var text = parsed.GetValue(WhereFileOption) is { } file ? await File.ReadAllTextAsync(file) : parsed.GetValue(WhereOption);
                predicate = text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                problem = "--where is not a JSON predicate: " + e.Message;
            }
        }
        if (problem is not null)
        {
            await error.WriteLineAsync($"select: {problem}\n{Usage}");
            return 2;
        }
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.BaseAddress = new Uri(parsed.GetValue(UrlOption)!.TrimEnd('/') + "/");
        client.Timeout = TimeSpan.FromMinutes(30);
        client.DefaultRequestHeaders.Add("X-Api-Key", parsed.GetValue(KeyOption));
        var columns = parsed.GetValue(ColumnsOption)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        try
        {
            if (parsed.GetValue(SaveOption) is { } name)
            {
                using var put = await client.PutAsJsonAsync($"api/selections/{Uri.EscapeDataString(name)}",
                    new { job, predicate, columns, maxAgeSeconds = parsed.GetValue(MaxAgeOption), description = parsed.GetValue(DescriptionOption) });
                if (!await OkAsync(put, error))
                {
                    return 1;
                }
                await output.WriteLineAsync($"saved selection '{name}' of job {job}");
            }
            var path = saved is not null ? $"api/selections/{Uri.EscapeDataString(saved)}:run" : $"api/features/{Uri.EscapeDataString(job!)}:select";
            object Body(string? cursor) => saved is not null
                ? new { pageSize = parsed.GetValue(PageSizeOption), cursor, export }
                : new { predicate, columns, pageSize = parsed.GetValue(PageSizeOption), cursor, maxAgeSeconds = parsed.GetValue(MaxAgeOption), export };
            if (export is not null)
            {
                return await ExportAsync(client, path, Body(null), parsed.GetValue(OutOption)!, output, error, pollInterval ?? TimeSpan.FromMilliseconds(500));
            }
            string? next = null;
            var first = true;
            do
            {
                using var response = await client.PostAsJsonAsync(path, Body(next));
                if (!await OkAsync(response, error))
                {
                    return 1;
                }
                using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var root = page.RootElement;
                if (first)
                {
                    await output.WriteLineAsync($"{root.GetProperty("count").GetInt64()} entities of job {root.GetProperty("job").GetString()} match ({root.GetProperty("engine").GetString()}, {root.GetProperty("tookMs").GetDouble():F1} ms)");
                    first = false;
                }
                foreach (var key in root.GetProperty("keys").EnumerateArray())
                {
                    var line = new StringBuilder(key.GetProperty("key").GetString());
                    if (key.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var value in values.EnumerateObject())
                        {
                            line.Append('\t').Append(value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : value.Value.GetRawText());
                        }
                    }
                    await output.WriteLineAsync(line.ToString());
                }
                next = root.GetProperty("nextCursor").GetString();
            }
            while (next is not null && parsed.GetValue(AllOption));
            if (next is not null)
            {
                await output.WriteLineAsync("… more (--all prints every page)");
            }
            return 0;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"select: cannot reach the platform at {client.BaseAddress}: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> ExportAsync(HttpClient client, string path, object body, string outPath, TextWriter output, TextWriter error, TimeSpan pollInterval)
    {
        using var started = await client.PostAsJsonAsync(path, body);
        if (!await OkAsync(started, error))
        {
            return 1;
        }
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        while (true)
        {
            using var poll = await client.GetAsync($"api/selections/runs/{id}");
            if (!await OkAsync(poll, error))
            {
                return 1;
            }
            var run = JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement;
            var state = run.GetProperty("state").GetString();
            await error.WriteLineAsync($"export {id}: {state} {run.GetProperty("written").GetInt64()}/{Math.Max(0, run.GetProperty("total").GetInt64())} rows");
            if (state == "Failed")
            {
                await error.WriteLineAsync($"select: export failed: {run.GetProperty("error").GetString()}");
                return 1;
            }
            if (state == "Succeeded")
            {
                using var file = await client.GetAsync($"api/selections/runs/{id}/file");
                if (!await OkAsync(file, error))
                {
                    return 1;
                }
                await using (var target = File.Create(outPath))
                {
                    await file.Content.CopyToAsync(target);
                }
                await output.WriteLineAsync($"exported {run.GetProperty("written").GetInt64()} rows to {outPath}");
                return 0;
            }
            await Task.Delay(pollInterval);
        }
    }

    private static async Task<bool> OkAsync(HttpResponseMessage response, TextWriter error)
    {
        if (response.IsSuccessStatusCode)
        {
            return true;
        }
        var text = await response.Content.ReadAsStringAsync();
        string detail;
        try
        {
            var root = JsonDocument.Parse(text).RootElement;
            detail = (root.TryGetProperty("field", out var field) ? $"{field.GetString()}: " : "") + (root.TryGetProperty("detail", out var d) ? d.GetString() : text);
        }
        catch (JsonException)
        {
            detail = text;
        }
        await error.WriteLineAsync($"select: refused ({(int)response.StatusCode}): {detail}");
        return false;
    }
}
