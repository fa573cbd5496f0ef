"""Generates the Python code for hbase.thrift with Debian's thrift-compiler and makes it importable.

The generated code is never committed: every process (server, clients, tests) either receives a directory
that already holds it (--gen-dir) or generates it into a fresh temporary directory.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The project's one IDL (the C# client is generated from it too): the fixture copies it next to the scripts; in the
# source tree it lives with the C# client.
IDL = os.path.join(HERE, "hbase.thrift")
if not os.path.exists(IDL):
    IDL = os.path.join(HERE, "..", "..", "..", "src", "EventCenter", "Adapters", "HBase", "Generated", "hbase.thrift")


def ensure(gen_dir=None):
    """Makes `hbase_thrift2` importable; generates it into gen_dir (or a temp dir) when missing."""
    if gen_dir is None:
        gen_dir = tempfile.mkdtemp(prefix="hbase-thrift-gen-")
    marker = os.path.join(gen_dir, "hbase_thrift2", "THBaseService.py")
    if not os.path.exists(marker):
        os.makedirs(gen_dir, exist_ok=True)
        subprocess.run(["thrift", "--gen", "py", "-out", gen_dir, IDL], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if gen_dir not in sys.path:
        sys.path.insert(0, gen_dir)
    return gen_dir
