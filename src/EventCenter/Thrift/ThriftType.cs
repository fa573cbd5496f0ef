namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>Thrift wire type codes (binary protocol).</summary>
internal enum ThriftType : byte
{
    Stop = 0,
    Void = 1,
    Bool = 2,
    Byte = 3,
    Double = 4,
    I16 = 6,
    I32 = 8,
    I64 = 10,
    String = 11,
    Struct = 12,
    Map = 13,
    Set = 14,
    List = 15,
}

/// <summary>Thrift message types (the low byte of the strict version word).</summary>
internal enum ThriftMessageType : byte
{
    Call = 1,
    Reply = 2,
    Exception = 3,
    Oneway = 4,
}
