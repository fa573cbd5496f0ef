using System.Buffers;
using System.Text;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>Answers of the Python side as bytes for the .NET readers. GIL held.</summary>
internal static class PyText
{
    /// <summary>
    /// The content of a <c>bytes</c> object copied into a rented array (return it to <see cref="ArrayPool{T}.Shared"/>).
    /// Through the buffer protocol: one copy, where pythonnet's <c>As&lt;byte[]&gt;()</c> converts item by item.
    /// </summary>
    public static (byte[] Bytes, int Length) RentBytes(PyObject bytes)
    {
        using var view = bytes.GetBuffer(PyBUF.SIMPLE);
        var length = checked((int)view.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        view.Read(buffer, 0, length, 0);
        return (buffer, length);
    }

    /// <summary>A str's text as UTF-8 (control answers: loads, reloads, parameter swaps).</summary>
    public static byte[] Utf8(PyObject str) =>
        Encoding.UTF8.GetBytes(str.As<string>() ?? throw new PythonHostException("the Python runner answered None instead of text"));
}
