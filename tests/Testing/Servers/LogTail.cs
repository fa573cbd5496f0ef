namespace FeaturePlatform.Testing.Servers;

/// <summary>Reads the end of a log file that a server may still be writing.</summary>
internal static class LogTail
{
    /// <summary>The last <paramref name="maxChars"/> characters of <paramref name="path"/>, headed by its path.</summary>
    public static string Of(string path, int maxChars)
    {
        if (!File.Exists(path))
        {
            return $"== {path} (missing) ==\n";
        }
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > maxChars * 4L)
            {
                stream.Seek(-maxChars * 4L, SeekOrigin.End);
            }
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return $"== {path} ==\n" + (text.Length <= maxChars ? text : text[^maxChars..]);
        }
        catch (IOException e)
        {
            return $"== {path} (unreadable: {e.Message}) ==\n";
        }
    }
}
