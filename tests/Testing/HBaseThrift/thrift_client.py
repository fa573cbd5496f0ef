"""Opens a THBaseService client the way the server was started (used by smoke_client and client_bench)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thriftgen  # noqa: E402


def add_arguments(ap):
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--transport", choices=("buffered", "framed"), default="buffered")
    ap.add_argument("--protocol", choices=("binary", "compact"), default="binary")
    ap.add_argument("--timeout-ms", type=int, default=10000)
    ap.add_argument("--gen-dir", help="directory with (or for) the generated Python code")


def connect(args):
    """Returns (client, transport); the transport is open."""
    thriftgen.ensure(args.gen_dir)
    from thrift.protocol import TBinaryProtocol, TCompactProtocol
    from thrift.transport import TSocket, TTransport
    from hbase_thrift2 import THBaseService
    sock = TSocket.TSocket(args.host, args.port)
    sock.setTimeout(args.timeout_ms)
    transport = TTransport.TFramedTransport(sock) if args.transport == "framed" else TTransport.TBufferedTransport(sock)
    if args.protocol == "binary":
        protocol = TBinaryProtocol.TBinaryProtocolAccelerated(transport)
    else:
        protocol = TCompactProtocol.TCompactProtocolAccelerated(transport)
    transport.open()
    return THBaseService.Client(protocol), transport
