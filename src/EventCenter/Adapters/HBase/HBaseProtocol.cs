using Thrift.Protocol;
using Thrift.Protocol.Entities;
using Thrift.Transport;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// Apache Thrift's strict binary protocol, plus what the generated client leaves out: a reply must answer the
/// call just sent (same method and sequence id), else the stream is out of step and the connection must go.
/// It also tells the connection when the reply starts (the read timeout starts there) and whether any of it
/// was read (for the "closed in the middle of a message" error).
/// </summary>
internal sealed class HBaseProtocol(TTransport transport, Action replyExpected) : TBinaryProtocol(transport, strictRead: true, strictWrite: true)
{
    private string method = "";
    private int seqId;

    /// <summary>The method of the call in flight, for messages.</summary>
    public string Method => method;

    /// <summary>True once the envelope of the reply to the call in flight was read.</summary>
    public bool ReplyStarted { get; private set; }

    public override Task WriteMessageBeginAsync(TMessage message, CancellationToken cancellationToken)
    {
        method = message.Name;
        seqId = message.SeqID;
        ReplyStarted = false;
        return base.WriteMessageBeginAsync(message, cancellationToken);
    }

    public override async ValueTask<TMessage> ReadMessageBeginAsync(CancellationToken cancellationToken)
    {
        replyExpected();
        var reply = await base.ReadMessageBeginAsync(cancellationToken).ConfigureAwait(false);
        ReplyStarted = true;
        if (reply.SeqID != seqId || reply.Name != method)
        {
            throw new TProtocolException(TProtocolException.INVALID_DATA, $"Expected the reply to {method}#{seqId}, got {reply.Name}#{reply.SeqID}.");
        }
        return reply;
    }
}
