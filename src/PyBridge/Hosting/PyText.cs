using System.Buffers;
using System.Text;
using Python.Runtime;

namespace FeaturePlatform.PyBridge.Hosting;

/// <summary>Text answers of the Python side as UTF-8 for <c>Utf8JsonReader</c>. GIL held.</summary>
internal static class PyText
{
    /// <summary>The str's text as UTF-8 in a rented array (return it to <see cref="ArrayPool{T}.Shared"/>).</summary>
    public static (byte[] Utf8, int Length) RentUtf8(PyObject str)
    {
        var text = str.As<string>() ?? throw new PythonHostException("the Python runner answered None instead of text");
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        return (buffer, Encoding.UTF8.GetBytes(text, buffer));
    }

    /// <summary>The str's text as UTF-8 (control answers: loads, reloads, parameter swaps).</summary>
    public static byte[] Utf8(PyObject str) =>
        Encoding.UTF8.GetBytes(str.As<string>() ?? throw new PythonHostException("the Python runner answered None instead of text"));
}
