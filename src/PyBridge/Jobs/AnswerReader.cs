using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.PyBridge.Jobs;

/// <summary>
/// Reads the runner's outcomes, written by Python's <c>marshal.dumps(value, 4)</c>: per event a list of rows (each a
/// list of values in declared column order) or <c>{"error": {type, message, file, line, traceback}}</c>. Binary
/// doubles and length-prefixed strings: no float-to-text conversion on either side (JSON cost ten times more).
/// </summary>
/// <remarks>
/// The subset of format 4 that lists, str, int, float, bool, None and dicts produce, including its back-references:
/// an object marshal saw more than once (a shared str, the same row twice) is written once with
/// <see cref="FlagRef"/> and later as <c>r</c> + index, indices counted in the order objects start.
/// </remarks>
internal ref struct AnswerReader
{
    private const byte FlagRef = 0x80;
    private readonly ReadOnlySpan<byte> _data;
    private readonly JobDeclaration _job;
    private readonly List<object?> _refs = [];
    private int _pos;

    private AnswerReader(ReadOnlySpan<byte> data, JobDeclaration job)
    {
        _data = data;
        _job = job;
    }

    /// <summary>Reads one call's answer: the rows, or the error it reports.</summary>
    public static IReadOnlyList<ResultRow> ReadSingle(ReadOnlySpan<byte> answer, JobDeclaration job, Func<ErrorInfo, PythonJobException> error)
    {
        var reader = new AnswerReader(answer, job);
        return reader.ReadOutcome() switch
        {
            ResultRow[] rows => rows,
            ErrorInfo info => throw error(info),
            _ => throw reader.Mismatch(),
        };
    }

    /// <summary>Reads a batch answer: one outcome per processed event (possibly fewer than were sent).</summary>
    public static int ReadBatch(ReadOnlySpan<byte> answer, JobDeclaration job, string version, IReadOnlyList<FeatureEvent> events, int offset,
        List<EventOutcome> into, Func<ErrorInfo, PythonJobException> error)
    {
        var reader = new AnswerReader(answer, job);
        var count = reader.StartList();
        for (var i = 0; i < count; i++)
        {
            var e = events[offset + i];
            into.Add(reader.ReadOutcome() switch
            {
                ResultRow[] rows => new EventOutcome(e, rows, null, version),
                ErrorInfo info => new EventOutcome(e, [], error(info), version),
                _ => throw reader.Mismatch(),
            });
        }
        return count;
    }

    /// <summary>A list header (the outer list of a batch); its items follow.</summary>
    private int StartList()
    {
        var code = Next();
        Expect((code & ~FlagRef) == '[');
        Reserve(code);
        return Length();
    }

    /// <summary>An event's rows (<see cref="ResultRow"/>[]) or its error (<see cref="ErrorInfo"/>).</summary>
    private object ReadOutcome()
    {
        var code = Next();
        switch ((char)(code & ~FlagRef))
        {
            case 'r':
                return Reference() ?? throw Mismatch();
            case '[':
            {
                var slot = Reserve(code);
                var rows = new ResultRow[Length()];
                for (var i = 0; i < rows.Length; i++)
                {
                    rows[i] = new ResultRow(_job.Schema, ReadRow());
                }
                return Fill(slot, rows);
            }
            case '{':
            {
                var slot = Reserve(code);
                var dict = ReadDictBody();
                return Fill(slot, ToError(dict.TryGetValue("error", out var e) ? e as Dictionary<string, object?> : null));
            }
            default:
                throw Mismatch();
        }
    }

    private object?[] ReadRow()
    {
        var code = Next();
        var kind = (char)(code & ~FlagRef);
        if (kind == 'r')
        {
            return Reference() as object?[] ?? throw Mismatch();
        }
        Expect(kind is '[' or '(' or ')');
        var slot = Reserve(code);
        var columns = _job.Schema.Columns;
        var length = kind == ')' ? Next() : Length();
        Expect(length == columns.Count);
        var values = new object?[length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Check(ReadValue(), columns[i]);
        }
        return (object?[])Fill(slot, values);
    }

    /// <summary>Any value of the subset: null, bool, long, double, string, List, Dictionary (errors only).</summary>
    private object? ReadValue()
    {
        var code = Next();
        object? value;
        switch ((char)(code & ~FlagRef))
        {
            case 'N': return null;
            case 'T': return true;
            case 'F': return false;
            case 'r': return Reference();
            case 'i':
                value = (long)BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                break;
            case 'l':
                value = ReadLong();
                break;
            case 'g':
                value = BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
                break;
            case 'z' or 'Z':
                value = Encoding.ASCII.GetString(Take(Next()));
                break;
            case 'a' or 'A' or 'u' or 't':
                value = Encoding.UTF8.GetString(Take(Length()));
                break;
            case '[' or '(' or ')':
            {
                var slot = Reserve(code);
                var count = (code & ~FlagRef) == ')' ? Next() : Length();
                var list = new List<object?>(count);
                for (var i = 0; i < count; i++)
                {
                    list.Add(ReadValue());
                }
                return Fill(slot, list);
            }
            case '{':
            {
                var slot = Reserve(code);
                return Fill(slot, ReadDictBody());
            }
            default:
                throw Mismatch();
        }
        if ((code & FlagRef) != 0)
        {
            _refs.Add(value);
        }
        return value;
    }

    private Dictionary<string, object?> ReadDictBody()
    {
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (Peek() != '0')
        {
            var key = ReadValue() as string ?? throw Mismatch();
            dict[key] = ReadValue();
        }
        _pos++;
        return dict;
    }

    /// <summary>TYPE_LONG: a signed count of 15-bit digits, least significant first.</summary>
    private long ReadLong()
    {
        var n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        Int128 value = 0;
        var digits = Math.Abs(n);
        Expect(digits <= 5); // 75 bits: anything longer cannot be a 64-bit value
        for (var i = 0; i < digits; i++)
        {
            value |= (Int128)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)) << (15 * i);
        }
        value = n < 0 ? -value : value;
        Expect(value >= long.MinValue && value <= long.MaxValue);
        return (long)value;
    }

    private object? Check(object? value, OutputDefinition column) => (value, column.Type) switch
    {
        (null, _) when column.Nullable => null,
        (long, ValueType.Int) or (double, ValueType.Float) or (string, ValueType.Str) or (bool, ValueType.Bool) => value,
        (long l, ValueType.Float) => (double)l,
        _ => throw new JobResultShapeException(_job.Name,
            $"output '{column.Name}' got {value?.GetType().Name ?? "None"}, declared {column.Type}", _job.File, _job.LogicLine, ""),
    };

    private ErrorInfo ToError(Dictionary<string, object?>? e)
    {
        if (e is null)
        {
            throw Mismatch();
        }
        string Text(string name) => e.TryGetValue(name, out var v) && v is string s ? s : "";
        return new ErrorInfo(Text("type") is { Length: > 0 } type ? type : "Error", Text("message"), Text("file"),
            e.TryGetValue("line", out var line) && line is long l ? (int)l : 0, Text("traceback"));
    }

    private int Reserve(byte code)
    {
        if ((code & FlagRef) == 0)
        {
            return -1;
        }
        _refs.Add(null);
        return _refs.Count - 1;
    }

    private readonly object Fill(int slot, object value)
    {
        if (slot >= 0)
        {
            _refs[slot] = value;
        }
        return value;
    }

    private object? Reference()
    {
        var index = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        Expect(index >= 0 && index < _refs.Count);
        return _refs[index];
    }

    private int Length()
    {
        var n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        Expect(n >= 0);
        return n;
    }

    private readonly byte Peek()
    {
        Expect(_pos < _data.Length);
        return _data[_pos];
    }

    private byte Next()
    {
        Expect(_pos < _data.Length);
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        Expect(count <= _data.Length - _pos);
        var span = _data.Slice(_pos, count);
        _pos += count;
        return span;
    }

    private readonly void Expect(bool condition)
    {
        if (!condition)
        {
            throw Mismatch();
        }
    }

    private readonly JobResultShapeException Mismatch() =>
        new(_job.Name, "the runner returned rows that do not match the declared outputs", _job.File, _job.LogicLine, "");
}
