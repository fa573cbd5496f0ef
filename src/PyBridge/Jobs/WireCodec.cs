using System.Buffers;
using System.Text.Json;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// The JSON crossing between .NET and the Python runner: events go in as objects, rows come back as arrays of
/// value arrays in declared column order, errors as <c>{"error": {type, message, file, line, traceback}}</c>.
/// </summary>
internal static class WireCodec
{
    public static void WriteEvent(Utf8JsonWriter w, FeatureEvent e)
    {
        w.WriteStartObject();
        w.WriteString("source"u8, e.Source);
        w.WriteString("key"u8, e.Key);
        w.WriteNumber("time_ms"u8, e.TimeMs);
        if (e.DataJson is not null)
        {
            w.WritePropertyName("data"u8);
            w.WriteRawValue(e.DataJson);
        }
        if (e.Id is not null)
        {
            w.WriteString("id"u8, e.Id);
        }
        w.WriteEndObject();
    }

    /// <summary>Reads one call's answer: the rows, or the error it reports.</summary>
    public static IReadOnlyList<ResultRow> ReadSingle(ReadOnlySpan<byte> json, JobDeclaration job, Func<ErrorInfo, PythonJobException> error)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        return reader.TokenType == JsonTokenType.StartArray ? ReadRows(ref reader, job) : throw error(ReadError(ref reader));
    }

    /// <summary>Reads a batch answer: one outcome per processed event (possibly fewer than were sent).</summary>
    public static int ReadBatch(ReadOnlySpan<byte> json, JobDeclaration job, IReadOnlyList<FeatureEvent> events, int offset,
        List<EventOutcome> into, Func<ErrorInfo, PythonJobException> error)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.StartArray, job);
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var e = events[offset + count];
            into.Add(reader.TokenType == JsonTokenType.StartArray
                ? new EventOutcome(e, ReadRows(ref reader, job), null)
                : new EventOutcome(e, [], error(ReadError(ref reader))));
            count++;
        }
        return count;
    }

    private static ResultRow[] ReadRows(ref Utf8JsonReader reader, JobDeclaration job)
    {
        var schema = job.Schema;
        var columns = schema.Columns;
        List<ResultRow>? rows = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(reader.TokenType == JsonTokenType.StartArray, job);
            var values = new object?[columns.Count];
            var i = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Expect(i < values.Length, job);
                values[i] = ReadValue(ref reader, columns[i], job);
                i++;
            }
            Expect(i == values.Length, job);
            (rows ??= new List<ResultRow>(1)).Add(new ResultRow(schema, values));
        }
        return rows is null ? [] : [.. rows];
    }

    private static object? ReadValue(ref Utf8JsonReader reader, OutputDefinition column, JobDeclaration job)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null when column.Nullable:
                return null;
            case JsonTokenType.Number when column.Type == ValueType.Int:
                return reader.GetInt64();
            case JsonTokenType.Number when column.Type == ValueType.Float:
                return reader.GetDouble();
            case JsonTokenType.String when column.Type == ValueType.Str:
                return reader.GetString();
            case JsonTokenType.True or JsonTokenType.False when column.Type == ValueType.Bool:
                return reader.GetBoolean();
            default:
                throw new JobResultShapeException(job.Name, $"output '{column.Name}' got a JSON {reader.TokenType}, declared {column.Type}",
                    job.File, job.LogicLine, "");
        }
    }

    private static ErrorInfo ReadError(ref Utf8JsonReader reader)
    {
        string type = "Error", message = "", file = "", traceback = "";
        var line = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != depth + 2)
            {
                continue;
            }
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "type": type = reader.GetString() ?? type; break;
                case "message": message = reader.GetString() ?? ""; break;
                case "file": file = reader.GetString() ?? ""; break;
                case "line": line = reader.GetInt32(); break;
                case "traceback": traceback = reader.GetString() ?? ""; break;
                default: reader.Skip(); break;
            }
        }
        return new ErrorInfo(type, message, file, line, traceback);
    }

    private static void Expect(bool condition, JobDeclaration job)
    {
        if (!condition)
        {
            throw new JobResultShapeException(job.Name, "the runner returned rows that do not match the declared outputs", job.File, job.LogicLine, "");
        }
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
