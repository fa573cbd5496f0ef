using FeaturePlatform.EventCenter.Thrift;
using FeaturePlatform.Testing.Infrastructure;

namespace FeaturePlatform.EventCenter.Tests.HBase;

/// <summary>Checks the codec's bytes against Apache Thrift's own Python binary protocol (Debian's python3-thrift).</summary>
public sealed class ThriftPythonInteropTests
{
    private const string WriteAllTypes = """
        from thrift.protocol import TBinaryProtocol
        from thrift.Thrift import TType, TMessageType
        from thrift.transport import TTransport
        b = TTransport.TMemoryBuffer()
        p = TBinaryProtocol.TBinaryProtocol(b, strictWrite=True)
        p.writeMessageBegin("allTypes", TMessageType.CALL, 42)
        p.writeStructBegin("s")
        p.writeFieldBegin("a", TType.BOOL, 1); p.writeBool(True)
        p.writeFieldBegin("b", TType.BYTE, 2); p.writeByte(-2)
        p.writeFieldBegin("c", TType.I16, 3); p.writeI16(-12345)
        p.writeFieldBegin("d", TType.I32, 4); p.writeI32(-2**31)
        p.writeFieldBegin("e", TType.I64, 5); p.writeI64(2**63 - 1 - 7)
        p.writeFieldBegin("f", TType.DOUBLE, 6); p.writeDouble(-2.5e-300)
        p.writeFieldBegin("g", TType.STRING, 7); p.writeBinary(b"\x00\x01\xff")
        p.writeFieldBegin("h", TType.STRING, 8); p.writeString("héllo ✓")
        p.writeFieldBegin("i", TType.STRUCT, 9); p.writeFieldBegin("x", TType.I32, 1); p.writeI32(7); p.writeFieldStop()
        p.writeFieldBegin("j", TType.LIST, 10); p.writeListBegin(TType.LIST, 2)
        p.writeListBegin(TType.I64, 2); p.writeI64(1); p.writeI64(2); p.writeListBegin(TType.I64, 0)
        p.writeFieldBegin("k", TType.MAP, 11); p.writeMapBegin(TType.STRING, TType.STRUCT, 1)
        p.writeString("k"); p.writeFieldBegin("y", TType.BOOL, 1); p.writeBool(False); p.writeFieldStop()
        p.writeFieldBegin("l", TType.SET, 12); p.writeSetBegin(TType.I16, 3); p.writeI16(1); p.writeI16(2); p.writeI16(3)
        p.writeFieldStop()
        p.writeMessageEnd()
        print(b.getvalue().hex())
        """;

    [Fact]
    public async Task Encoding_matches_python_thrift_byte_for_byte()
    {
        var (exit, output) = await ServerProcess.RunAsync("/usr/bin/python3", ["-c", WriteAllTypes], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        var python = Convert.FromHexString(output.Trim());

        Assert.Equal(Convert.ToHexString(python), Convert.ToHexString(ThriftCodecTests.AllTypesMessage()));
    }

    [Fact]
    public async Task Python_decodes_what_the_codec_writes()
    {
        var hex = Convert.ToHexString(ThriftCodecTests.AllTypesMessage());
        var script = $$"""
            from thrift.protocol import TBinaryProtocol
            from thrift.Thrift import TType
            from thrift.transport import TTransport
            p = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(bytes.fromhex("{{hex}}")), strictRead=True)
            name, kind, seq = p.readMessageBegin()
            p.readStructBegin()
            values = []
            while True:
                _, t, fid = p.readFieldBegin()
                if t == TType.STOP:
                    break
                if t == TType.STRING and fid == 8:
                    values.append(p.readString())
                elif t == TType.STRING:
                    values.append(p.readBinary().hex())
                elif t in (TType.BOOL, TType.BYTE, TType.I16, TType.I32, TType.I64, TType.DOUBLE):
                    values.append({TType.BOOL: p.readBool, TType.BYTE: p.readByte, TType.I16: p.readI16, TType.I32: p.readI32, TType.I64: p.readI64, TType.DOUBLE: p.readDouble}[t]())
                else:
                    p.skip(t)
                    values.append("skipped")
            print(name, kind, seq, values)
            """;
        var (exit, output) = await ServerProcess.RunAsync("/usr/bin/python3", ["-c", script], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        Assert.Equal("allTypes 1 42 [True, -2, -12345, -2147483648, 9223372036854775800, -2.5e-300, '0001ff', 'héllo ✓', 'skipped', 'skipped', 'skipped', 'skipped']", output.Trim());
    }

    [Fact]
    public void Limits_reject_nonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThriftLimits(MaxDepth: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThriftLimits(MaxStringLength: -1).Validate());
    }
}
