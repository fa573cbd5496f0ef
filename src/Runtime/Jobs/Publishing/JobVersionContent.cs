using System.Security.Cryptography;
using System.Text;

namespace FeaturePlatform.Runtime.Jobs.Publishing;

/// <summary>
/// The content of a job version: its modules (name → source), the content hash the Python loader computes for them
/// (<c>featureplatform/_versions.py</c>, reproduced here byte for byte so the registry can check a version's key), and
/// where each module's file goes when the version is written to a directory.
/// </summary>
public static class JobVersionContent
{
    /// <summary>The name the job module has among a version's modules.</summary>
    public const string JobModule = "<job>";

    /// <summary>
    /// The content hash of <paramref name="modules"/>: SHA-256 over, for each module sorted by name, the name's UTF-8
    /// length (4 bytes big-endian), the name, the source's length (8 bytes big-endian) and the source (UTF-8,
    /// <c>\r\n</c> as <c>\n</c>); the first 16 hex digits.
    /// </summary>
    public static string Hash(IReadOnlyDictionary<string, string> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var name in modules.Keys.Order(StringComparer.Ordinal))
        {
            var encoded = Encoding.UTF8.GetBytes(name);
            var body = Encoding.UTF8.GetBytes(modules[name].Replace("\r\n", "\n", StringComparison.Ordinal));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, encoded.Length);
            sha.AppendData(length[..4]);
            sha.AppendData(encoded);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(length, body.Length);
            sha.AppendData(length);
            sha.AppendData(body);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>
    /// The file of <paramref name="module"/> relative to a library root: a module with submodules among
    /// <paramref name="modules"/> is a package (<c>a/__init__.py</c>), any other <c>a/b.py</c>; the job module is
    /// <paramref name="jobFile"/>.
    /// </summary>
    public static string RelativePath(string module, IEnumerable<string> modules, string jobFile)
    {
        ArgumentNullException.ThrowIfNull(modules);
        if (module == JobModule)
        {
            return jobFile;
        }
        var parts = module.Split('.');
        if (parts.Any(p => p.Length == 0 || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_'))))
        {
            throw new ArgumentException($"'{module}' is not a module name (dotted identifiers only)", nameof(module));
        }
        var isPackage = modules.Any(m => m.StartsWith(module + ".", StringComparison.Ordinal));
        return isPackage ? Path.Combine([.. parts, "__init__.py"]) : Path.Combine(parts) + ".py";
    }

    /// <summary>
    /// The source files of modules loaded from <paramref name="roots"/> (the first root holding a module wins, a
    /// package before a module of the same name, as Python's finder does): <paramref name="jobPath"/> is the job module.
    /// </summary>
    /// <exception cref="FileNotFoundException">A module's file is not under any root.</exception>
    public static IReadOnlyDictionary<string, string> Read(string jobPath, IEnumerable<string> libraryModules, IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var modules = new Dictionary<string, string>(StringComparer.Ordinal) { [JobModule] = File.ReadAllText(jobPath) };
        foreach (var name in libraryModules)
        {
            var parts = name.Split('.');
            var file = roots.SelectMany(root => new[] { Path.Combine([root, .. parts, "__init__.py"]), Path.Combine([root, .. parts]) + ".py" })
                .FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"library module '{name}' is under none of the library roots");
            modules[name] = File.ReadAllText(file);
        }
        return modules;
    }

    /// <summary>
    /// Writes <paramref name="modules"/> under <paramref name="directory"/> (the job module as <paramref name="jobFile"/>)
    /// all at once: into a fresh directory that is then renamed into place, so a reader never sees half a version. A
    /// directory already there is kept (content-addressed: same version, same files).
    /// </summary>
    /// <returns>The job module's path.</returns>
    public static string Write(string directory, IReadOnlyDictionary<string, string> modules, string jobFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(modules);
        var target = Path.GetFullPath(directory);
        var jobPath = Path.Combine(target, jobFile);
        if (File.Exists(jobPath))
        {
            return jobPath;
        }
        var staging = target + ".tmp-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (name, source) in modules)
            {
                var file = Path.Combine(staging, RelativePath(name, modules.Keys, jobFile));
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, source);
            }
            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (File.Exists(jobPath))
            {
                // Another process wrote the same version first.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, true);
            }
        }
        return jobPath;
    }
}
