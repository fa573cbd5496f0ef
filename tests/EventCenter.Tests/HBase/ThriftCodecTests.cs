using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Tests.HBase;

public sealed class ThriftCodecTests
{
    private static readonly ThriftLimits Limits = ThriftLimits.Default;

    /// <summary>A message with every type HBase uses, including nested containers, in a struct with field ids 1..12.</summary>
    internal static byte[] AllTypesMessage(int seqId = 42)
    {
        using var w = new ThriftBinaryWriter(16);
        w.WriteMessageBegin("allTypes", ThriftMessageType.Call, seqId);
        w.WriteFieldBegin(ThriftType.Bool, 1); w.WriteBool(true);
        w.WriteFieldBegin(ThriftType.Byte, 2); w.WriteByte(0xFE);
        w.WriteFieldBegin(ThriftType.I16, 3); w.WriteI16(-12345);
        w.WriteFieldBegin(ThriftType.I32, 4); w.WriteI32(int.MinValue);
        w.WriteFieldBegin(ThriftType.I64, 5); w.WriteI64(long.MaxValue - 7);
        w.WriteFieldBegin(ThriftType.Double, 6); w.WriteDouble(-2.5e-300);
        w.WriteFieldBegin(ThriftType.String, 7); w.WriteBinary([0, 1, 0xFF]);
        w.WriteFieldBegin(ThriftType.String, 8); w.WriteString("héllo ✓");
        w.WriteFieldBegin(ThriftType.Struct, 9);
        w.WriteFieldBegin(ThriftType.I32, 1); w.WriteI32(7);
        w.WriteFieldStop();
        w.WriteFieldBegin(ThriftType.List, 10); w.WriteListBegin(ThriftType.List, 2);
        w.WriteListBegin(ThriftType.I64, 2); w.WriteI64(1); w.WriteI64(2);
        w.WriteListBegin(ThriftType.I64, 0);
        w.WriteFieldBegin(ThriftType.Map, 11); w.WriteMapBegin(ThriftType.String, ThriftType.Struct, 1);
        w.WriteString("k"); w.WriteFieldBegin(ThriftType.Bool, 1); w.WriteBool(false); w.WriteFieldStop();
        w.WriteFieldBegin(ThriftType.Set, 12); w.WriteSetBegin(ThriftType.I16, 3); w.WriteI16(1); w.WriteI16(2); w.WriteI16(3);
        w.WriteFieldStop();
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Every_type_round_trips()
    {
        var bytes = AllTypesMessage();
        var r = new ThriftBinaryReader(bytes, Limits);
        Assert.Equal(("allTypes", ThriftMessageType.Call, 42), r.ReadMessageBegin());
        r.ReadStructBegin();
        Assert.Equal((ThriftType.Bool, (short)1), r.ReadFieldBegin()); Assert.True(r.ReadBool());
        Assert.Equal((ThriftType.Byte, (short)2), r.ReadFieldBegin()); Assert.Equal(0xFE, r.ReadByte());
        Assert.Equal((ThriftType.I16, (short)3), r.ReadFieldBegin()); Assert.Equal(-12345, r.ReadI16());
        Assert.Equal((ThriftType.I32, (short)4), r.ReadFieldBegin()); Assert.Equal(int.MinValue, r.ReadI32());
        Assert.Equal((ThriftType.I64, (short)5), r.ReadFieldBegin()); Assert.Equal(long.MaxValue - 7, r.ReadI64());
        Assert.Equal((ThriftType.Double, (short)6), r.ReadFieldBegin()); Assert.Equal(-2.5e-300, r.ReadDouble());
        Assert.Equal((ThriftType.String, (short)7), r.ReadFieldBegin()); Assert.Equal(new byte[] { 0, 1, 0xFF }, r.ReadBinary());
        Assert.Equal((ThriftType.String, (short)8), r.ReadFieldBegin()); Assert.Equal("héllo ✓", r.ReadString());
        Assert.Equal((ThriftType.Struct, (short)9), r.ReadFieldBegin());
        r.ReadStructBegin();
        Assert.Equal((ThriftType.I32, (short)1), r.ReadFieldBegin()); Assert.Equal(7, r.ReadI32());
        Assert.Equal(ThriftType.Stop, r.ReadFieldBegin().Type);
        r.ReadStructEnd();
        Assert.Equal((ThriftType.List, (short)10), r.ReadFieldBegin());
        Assert.Equal((ThriftType.List, 2), r.ReadListBegin());
        Assert.Equal((ThriftType.I64, 2), r.ReadListBegin()); Assert.Equal(1, r.ReadI64()); Assert.Equal(2, r.ReadI64()); r.ReadContainerEnd();
        Assert.Equal((ThriftType.I64, 0), r.ReadListBegin()); r.ReadContainerEnd();
        r.ReadContainerEnd();
        Assert.Equal((ThriftType.Map, (short)11), r.ReadFieldBegin());
        Assert.Equal((ThriftType.String, ThriftType.Struct, 1), r.ReadMapBegin());
        Assert.Equal("k", r.ReadString());
        r.Skip(ThriftType.Struct);
        r.ReadContainerEnd();
        Assert.Equal((ThriftType.Set, (short)12), r.ReadFieldBegin());
        Assert.Equal((ThriftType.I16, 3), r.ReadSetBegin());
        Assert.Equal([1, 2, 3], new[] { r.ReadI16(), r.ReadI16(), r.ReadI16() });
        r.ReadContainerEnd();
        Assert.Equal(ThriftType.Stop, r.ReadFieldBegin().Type);
        r.ReadStructEnd();
        Assert.Equal(bytes.Length, r.Position);
    }

    [Fact]
    public void Unknown_fields_of_every_type_are_skipped_whole()
    {
        var bytes = AllTypesMessage();
        var r = new ThriftBinaryReader(bytes, Limits);
        r.ReadMessageBegin();
        r.Skip(ThriftType.Struct);
        Assert.Equal(bytes.Length, r.Position);
    }

    [Fact]
    public void Scanner_finds_the_message_end_however_the_bytes_are_split()
    {
        var message = AllTypesMessage();
        var stream = message.Concat(AllTypesMessage(43)).ToArray();
        var scanner = new ThriftMessageScanner(Limits);
        foreach (var step in new[] { 1, 2, 3, 7, 64 })
        {
            scanner.Reset();
            var found = -1;
            for (var have = 0; found < 0; have = Math.Min(have + step, stream.Length))
            {
                found = scanner.TryFindEnd(stream.AsSpan(0, have));
                if (found < 0)
                {
                    Assert.True(have < message.Length, $"step {step}: no end found with {have} bytes");
                }
            }
            Assert.Equal(message.Length, found);
        }
    }

    [Theory]
    [InlineData("80010001 00000003 616263 00000001 0B 0001 7FFFFFFF", ThriftProtocolError.StringTooLong)]
    [InlineData("80010001 00000003 616263 00000001 0B 0001 FFFFFFFF", ThriftProtocolError.NegativeSize)]
    [InlineData("80010001 00000003 616263 00000001 0F 0001 08 7FFFFFFF", ThriftProtocolError.ContainerTooLarge)]
    [InlineData("80010001 00000003 616263 00000001 0D 0001 0B0B 80000000", ThriftProtocolError.NegativeSize)]
    [InlineData("80010001 00000003 616263 00000001 11 0001", ThriftProtocolError.InvalidType)]
    [InlineData("00000003 616263 01 00000001 00", ThriftProtocolError.BadVersion)]
    [InlineData("DEADBEEF 00000003 616263 00000001 00", ThriftProtocolError.BadVersion)]
    public void Bad_input_gives_a_typed_error_from_reader_and_scanner(string hex, ThriftProtocolError expected)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var limits = new ThriftLimits(MaxStringLength: 1024, MaxContainerSize: 1000);
        var e = Assert.Throws<ThriftProtocolException>(() =>
        {
            var r = new ThriftBinaryReader(bytes, limits);
            r.ReadMessageBegin();
            r.Skip(ThriftType.Struct);
        });
        Assert.Equal(expected, e.Error);
        var s = Assert.Throws<ThriftProtocolException>(() => new ThriftMessageScanner(limits).TryFindEnd(bytes));
        Assert.Equal(expected, s.Error);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected()
    {
        using var w = new ThriftBinaryWriter();
        w.WriteMessageBegin("deep", ThriftMessageType.Reply, 1);
        for (var i = 0; i < 100; i++)
        {
            w.WriteFieldBegin(ThriftType.Struct, 1);
        }
        var bytes = w.WrittenSpan.ToArray();
        var limits = new ThriftLimits(MaxDepth: 16);
        var e = Assert.Throws<ThriftProtocolException>(() =>
        {
            var r = new ThriftBinaryReader(bytes, limits);
            r.ReadMessageBegin();
            r.Skip(ThriftType.Struct);
        });
        Assert.Equal(ThriftProtocolError.DepthExceeded, e.Error);
        Assert.Equal(ThriftProtocolError.DepthExceeded, Assert.Throws<ThriftProtocolException>(() => new ThriftMessageScanner(limits).TryFindEnd(bytes)).Error);
    }

    [Fact]
    public void Truncated_message_is_a_typed_error_for_the_reader_and_incomplete_for_the_scanner()
    {
        var message = AllTypesMessage();
        for (var cut = 0; cut < message.Length; cut++)
        {
            var part = message[..cut];
            Assert.Equal(-1, new ThriftMessageScanner(Limits).TryFindEnd(part));
            var e = Assert.Throws<ThriftProtocolException>(() =>
            {
                var r = new ThriftBinaryReader(part, Limits);
                r.ReadMessageBegin();
                r.Skip(ThriftType.Struct);
            });
            Assert.Equal(ThriftProtocolError.Truncated, e.Error);
        }
    }

    [Fact]
    public void Random_garbage_never_throws_anything_but_a_protocol_error()
    {
        var random = new Random(1234);
        var limits = new ThriftLimits(MaxStringLength: 1 << 20, MaxContainerSize: 1 << 16, MaxDepth: 32);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 12)
            {
                // A valid envelope so that the body's garbage gets decoded too.
                Convert.FromHexString("80010002000000016D00000001").AsSpan(0, 12).CopyTo(bytes);
                bytes[8] = 0;
            }
            try
            {
                var r = new ThriftBinaryReader(bytes, limits);
                r.ReadMessageBegin();
                r.Skip(ThriftType.Struct);
            }
            catch (ThriftProtocolException)
            {
            }
            try
            {
                new ThriftMessageScanner(limits).TryFindEnd(bytes);
            }
            catch (ThriftProtocolException)
            {
            }
        }
    }

    [Fact]
    public void Writer_grows_and_resets_with_pooled_buffers()
    {
        using var w = new ThriftBinaryWriter(64);
        var big = new byte[1_000_000];
        new Random(1).NextBytes(big);
        w.WriteBinary(big);
        w.WriteI32(5);
        Assert.Equal(4 + big.Length + 4, w.Length);
        var r = new ThriftBinaryReader(w.WrittenSpan, Limits);
        Assert.Equal(big, r.ReadBinary());
        Assert.Equal(5, r.ReadI32());
        w.Reset(4);
        Assert.Equal(4, w.Length);
    }
}
