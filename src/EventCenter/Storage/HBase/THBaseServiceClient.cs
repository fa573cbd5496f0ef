using FeaturePlatform.EventCenter.Storage.HBase.Wire;
using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase;

/// <summary>
/// The Thrift2 <c>THBaseService</c> calls over one <see cref="ThriftConnection"/>. One call at a time; no retry
/// (see <c>HBaseClient</c>). Server exceptions become <see cref="HBaseIOException"/> /
/// <see cref="HBaseIllegalArgumentException"/> / <see cref="ThriftApplicationException"/> and leave the
/// connection usable; undecodable replies throw <see cref="ThriftProtocolException"/> and break it.
/// </summary>
internal sealed class THBaseServiceClient(ThriftConnection connection)
{
    private delegate T FieldReader<T>(ref ThriftBinaryReader reader);

    private int seqId;

    public ThriftConnection Connection => connection;

    public ValueTask<bool> ExistsAsync(ReadOnlyMemory<byte> table, TGet get, CancellationToken ct) =>
        CallAsync("exists", (table, get), static (w, a) => { TableArg(w, a.table); StructArg(w, 2); a.get.Write(w); },
            ThriftType.Bool, static (ref r) => r.ReadBool(), ct);

    public ValueTask<TResult> GetAsync(ReadOnlyMemory<byte> table, TGet get, CancellationToken ct) =>
        CallAsync("get", (table, get), static (w, a) => { TableArg(w, a.table); StructArg(w, 2); a.get.Write(w); },
            ThriftType.Struct, static (ref r) => TResult.Read(ref r), ct);

    public ValueTask<List<TResult>> GetMultipleAsync(ReadOnlyMemory<byte> table, IReadOnlyList<TGet> gets, CancellationToken ct) =>
        CallAsync("getMultiple", (table, gets), static (w, a) =>
        {
            TableArg(w, a.table);
            w.WriteFieldBegin(ThriftType.List, 2);
            w.WriteListBegin(ThriftType.Struct, a.gets.Count);
            foreach (var g in a.gets)
            {
                g.Write(w);
            }
        }, ThriftType.List, static (ref r) => TResult.ReadList(ref r), ct);

    public ValueTask PutAsync(ReadOnlyMemory<byte> table, TPut put, CancellationToken ct) =>
        CallVoidAsync("put", (table, put), static (w, a) => { TableArg(w, a.table); StructArg(w, 2); a.put.Write(w); }, ct);

    public ValueTask PutMultipleAsync(ReadOnlyMemory<byte> table, IReadOnlyList<TPut> puts, CancellationToken ct) =>
        CallVoidAsync("putMultiple", (table, puts), static (w, a) => WritePutMultipleArgs(w, a.table, a.puts), ct);

    public ValueTask DeleteSingleAsync(ReadOnlyMemory<byte> table, TDelete delete, CancellationToken ct) =>
        CallVoidAsync("deleteSingle", (table, delete), static (w, a) => { TableArg(w, a.table); StructArg(w, 2); a.delete.Write(w); }, ct);

    /// <summary>Returns the deletes the server could not apply (normally none).</summary>
    public ValueTask<List<TDelete>> DeleteMultipleAsync(ReadOnlyMemory<byte> table, IReadOnlyList<TDelete> deletes, CancellationToken ct) =>
        CallAsync("deleteMultiple", (table, deletes), static (w, a) =>
        {
            TableArg(w, a.table);
            w.WriteFieldBegin(ThriftType.List, 2);
            w.WriteListBegin(ThriftType.Struct, a.deletes.Count);
            foreach (var d in a.deletes)
            {
                d.Write(w);
            }
        }, ThriftType.List, static (ref r) => ReadDeletes(ref r), ct);

    /// <summary>Applies <paramref name="put"/> if family:qualifier's latest value equals <paramref name="value"/> (null: column absent).</summary>
    public ValueTask<bool> CheckAndPutAsync(ReadOnlyMemory<byte> table, byte[] row, byte[] family, byte[] qualifier, byte[]? value, TPut put, CancellationToken ct) =>
        CallAsync("checkAndPut", (table, row, family, qualifier, value, put), static (w, a) =>
        {
            TableArg(w, a.table);
            WireHelpers.Binary(w, 2, a.row);
            WireHelpers.Binary(w, 3, a.family);
            WireHelpers.Binary(w, 4, a.qualifier);
            WireHelpers.OptionalBinary(w, 5, a.value);
            StructArg(w, 6);
            a.put.Write(w);
        }, ThriftType.Bool, static (ref r) => r.ReadBool(), ct);

    public ValueTask<int> OpenScannerAsync(ReadOnlyMemory<byte> table, TScan scan, CancellationToken ct) =>
        CallAsync("openScanner", (table, scan), static (w, a) => { TableArg(w, a.table); StructArg(w, 2); a.scan.Write(w); },
            ThriftType.I32, static (ref r) => r.ReadI32(), ct);

    public ValueTask<List<TResult>> GetScannerRowsAsync(int scannerId, int numRows, CancellationToken ct) =>
        CallAsync("getScannerRows", (scannerId, numRows), static (w, a) => { WireHelpers.I32(w, 1, a.scannerId); WireHelpers.I32(w, 2, a.numRows); },
            ThriftType.List, static (ref r) => TResult.ReadList(ref r), ct);

    public ValueTask CloseScannerAsync(int scannerId, CancellationToken ct) =>
        CallVoidAsync("closeScanner", scannerId, static (w, id) => WireHelpers.I32(w, 1, id), ct);

    public ValueTask<List<TResult>> GetScannerResultsAsync(ReadOnlyMemory<byte> table, TScan scan, int numRows, CancellationToken ct) =>
        CallAsync("getScannerResults", (table, scan, numRows), static (w, a) =>
        {
            TableArg(w, a.table);
            StructArg(w, 2);
            a.scan.Write(w);
            WireHelpers.I32(w, 3, a.numRows);
        }, ThriftType.List, static (ref r) => TResult.ReadList(ref r), ct);

    internal static void WritePutMultipleArgs(ThriftBinaryWriter w, ReadOnlyMemory<byte> table, IReadOnlyList<TPut> puts)
    {
        TableArg(w, table);
        w.WriteFieldBegin(ThriftType.List, 2);
        w.WriteListBegin(ThriftType.Struct, puts.Count);
        foreach (var p in puts)
        {
            p.Write(w);
        }
    }

    private static void TableArg(ThriftBinaryWriter w, ReadOnlyMemory<byte> table) => WireHelpers.Binary(w, 1, table.Span);

    private static void StructArg(ThriftBinaryWriter w, short id) => w.WriteFieldBegin(ThriftType.Struct, id);

    private static List<TDelete> ReadDeletes(ref ThriftBinaryReader r)
    {
        var (elementType, count) = r.ReadListBegin();
        WireHelpers.ExpectElements(elementType, ThriftType.Struct, count, "deletes");
        var result = new List<TDelete>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(TDelete.Read(ref r));
        }
        r.ReadContainerEnd();
        return result;
    }

    private async ValueTask CallVoidAsync<TArgs>(string method, TArgs args, Action<ThriftBinaryWriter, TArgs> writeArgs, CancellationToken ct) =>
        await CallAsync(method, args, writeArgs, ThriftType.Void, static (ref _) => true, ct).ConfigureAwait(false);

    private async ValueTask<T> CallAsync<TArgs, T>(
        string method, TArgs args, Action<ThriftBinaryWriter, TArgs> writeArgs, ThriftType resultType, FieldReader<T> readResult, CancellationToken ct)
    {
        var seq = unchecked(++seqId);
        connection.BeginRequest();
        var w = connection.Writer;
        w.WriteMessageBegin(method, ThriftMessageType.Call, seq);
        writeArgs(w, args);
        w.WriteFieldStop();
        await connection.SendAsync(ct).ConfigureAwait(false);
        var reply = await connection.ReceiveAsync(ct).ConfigureAwait(false);
        try
        {
            return DecodeReply(reply.Span, method, seq, resultType, readResult, connection.Limits);
        }
        catch (ThriftProtocolException)
        {
            connection.Invalidate();
            throw;
        }
    }

    private static T DecodeReply<T>(ReadOnlySpan<byte> reply, string method, int seq, ThriftType resultType, FieldReader<T> readResult, ThriftLimits limits)
    {
        var r = new ThriftBinaryReader(reply, limits);
        var (name, type, replySeq) = r.ReadMessageBegin();
        if (replySeq != seq || name != method)
        {
            throw new ThriftProtocolException(ThriftProtocolError.SequenceMismatch, $"Expected the reply to {method}#{seq}, got {name}#{replySeq}.");
        }
        if (type == ThriftMessageType.Exception)
        {
            throw ThriftApplicationException.Read(ref r);
        }
        if (type != ThriftMessageType.Reply)
        {
            throw new ThriftProtocolException(ThriftProtocolError.BadVersion, $"Expected a reply message, got {type}.");
        }
        var hasResult = false;
        T result = default!;
        HBaseException? error = null;
        r.ReadStructBegin();
        while (true)
        {
            var (fieldType, id) = r.ReadFieldBegin();
            if (fieldType == ThriftType.Stop)
            {
                break;
            }
            if (id == 0 && fieldType == resultType)
            {
                result = readResult(ref r);
                hasResult = true;
            }
            else if (id == 1 && fieldType == ThriftType.Struct)
            {
                error = ReadIOError(ref r);
            }
            else if (id == 2 && fieldType == ThriftType.Struct)
            {
                error = new HBaseIllegalArgumentException(ReadMessageOnly(ref r) ?? "(no message)");
            }
            else
            {
                r.Skip(fieldType);
            }
        }
        r.ReadStructEnd();
        if (error is not null)
        {
            throw error;
        }
        if (resultType == ThriftType.Void)
        {
            return result;
        }
        return hasResult ? result : throw new ThriftApplicationException(ThriftApplicationError.MissingResult, $"{method} returned no result.");
    }

    private static HBaseIOException ReadIOError(ref ThriftBinaryReader r)
    {
        string? message = null;
        var canRetry = true;
        r.ReadStructBegin();
        while (true)
        {
            var (type, id) = r.ReadFieldBegin();
            if (type == ThriftType.Stop)
            {
                break;
            }
            if (id == 1 && type == ThriftType.String)
            {
                message = r.ReadString();
            }
            else if (id == 2 && type == ThriftType.Bool)
            {
                canRetry = r.ReadBool();
            }
            else
            {
                r.Skip(type);
            }
        }
        r.ReadStructEnd();
        return new HBaseIOException(message ?? "(no message)", canRetry);
    }

    private static string? ReadMessageOnly(ref ThriftBinaryReader r)
    {
        string? message = null;
        r.ReadStructBegin();
        while (true)
        {
            var (type, id) = r.ReadFieldBegin();
            if (type == ThriftType.Stop)
            {
                break;
            }
            if (id == 1 && type == ThriftType.String)
            {
                message = r.ReadString();
            }
            else
            {
                r.Skip(type);
            }
        }
        r.ReadStructEnd();
        return message;
    }
}
