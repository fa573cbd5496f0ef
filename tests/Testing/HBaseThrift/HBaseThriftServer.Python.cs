using System.Globalization;
using System.Text.Json;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.Testing.HBaseThrift;

/// <summary>Python's own Thrift client (same generated code) run against this server, as a process.</summary>
public sealed partial class HBaseThriftServer
{
    /// <summary>Runs one of the copied scripts with this server's connection arguments; returns exit code and output.</summary>
    public Task<(int ExitCode, string Output)> RunPythonClientAsync(string script, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ServerProcess.RunAsync(
            Python,
            new[]
            {
                Path.Combine(ServerDirectory, script),
                "--host", Host,
                "--port", Port.ToString(CultureInfo.InvariantCulture),
                "--transport", TransportName,
                "--protocol", ProtocolName,
                "--gen-dir", GenDirectory,
            }.Concat(arguments),
            timeout ?? TimeSpan.FromSeconds(120),
            PythonEnvironment,
            ServerDirectory);

    /// <summary>Runs <c>smoke_client.py</c> in <paramref name="mode"/> (roundtrip, put, get, call) and parses its JSON line.</summary>
    public async Task<JsonElement> RunSmokeClientAsync(string mode, string table, params string[] extra)
    {
        var (exit, output) = await RunPythonClientAsync("smoke_client.py", new[] { mode, "--table", table }.Concat(extra));
        return LastJsonLine(output, $"smoke_client {mode} exited {exit}");
    }

    /// <summary>Runs <c>client_bench.py</c>: putMultiple of rows×columns values in batches; JSON with rowsPerSecond.</summary>
    public async Task<JsonElement> RunClientBenchAsync(int rows, int columns, int valueBytes, int batch, string table, TimeSpan? timeout = null)
    {
        var (exit, output) = await RunPythonClientAsync("client_bench.py",
        [
            "--table", table,
            "--rows", rows.ToString(CultureInfo.InvariantCulture),
            "--columns", columns.ToString(CultureInfo.InvariantCulture),
            "--value-bytes", valueBytes.ToString(CultureInfo.InvariantCulture),
            "--batch", batch.ToString(CultureInfo.InvariantCulture),
        ], timeout);
        if (exit != 0)
        {
            throw new InvalidOperationException($"client_bench.py exited {exit}: {output}\n{TailLog()}");
        }
        return LastJsonLine(output, "client_bench");
    }

    private JsonElement LastJsonLine(string output, string what)
    {
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith('{'));
        if (line is null)
        {
            throw new InvalidOperationException($"{what}: no JSON output.\n{output}\n--- server log ---\n{TailLog()}");
        }
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }
}
