using System.Buffers;
using System.Text.Json;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// The way in of the crossing between .NET and the Python runner: events go in as JSON arrays (the answers come back
/// marshalled: <see cref="AnswerReader"/>).
/// </summary>
internal static class WireCodec
{
    /// <summary>An event as <c>[source, key, time_ms, data, id]</c>: the runner builds <c>Event(*e)</c> from it.</summary>
    public static void WriteEvent(Utf8JsonWriter w, FeatureEvent e)
    {
        w.WriteStartArray();
        w.WriteStringValue(e.Source);
        w.WriteStringValue(e.Key);
        w.WriteNumberValue(e.TimeMs);
        if (e.DataJson is not null)
        {
            w.WriteRawValue(e.DataJson);
        }
        else
        {
            w.WriteNullValue();
        }
        if (e.Id is not null)
        {
            w.WriteStringValue(e.Id);
        }
        else
        {
            w.WriteNullValue();
        }
        w.WriteEndArray();
    }
}

/// <summary>An error reported by the Python runner.</summary>
internal sealed record ErrorInfo(string Type, string Message, string File, int Line, string Traceback);

/// <summary>A reusable UTF-8 JSON buffer for one worker thread.</summary>
internal sealed class JsonBuffer
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    public JsonBuffer() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = false });

    public Utf8JsonWriter Start()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        return _writer;
    }

    public ReadOnlySpan<byte> Finish()
    {
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    /// <summary>The JSON as a string (what pythonnet turns into a Python str).</summary>
    public string FinishText() => System.Text.Encoding.UTF8.GetString(Finish());
}
