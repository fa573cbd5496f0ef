using System.Text;

namespace FeaturePlatform.EventCenter.Storage;

/// <summary>
/// A table's name, optionally in a namespace (<c>ns:table</c> as HBase writes it). Both parts are
/// 1–128 characters of <c>[A-Za-z0-9_.-]</c>, the name not starting with '.' or '-' (HBase's rules).
/// </summary>
public sealed record TableName
{
    private const int MaxPartLength = 128;

    /// <summary>Creates a validated table name.</summary>
    /// <exception cref="ArgumentException">The namespace or name is empty, too long, or has characters HBase rejects.</exception>
    public TableName(string? @namespace, string name)
    {
        if (@namespace is not null)
        {
            Validate(@namespace, nameof(@namespace));
        }
        Validate(name, nameof(name));
        Namespace = @namespace;
        Name = name;
        Qualified = @namespace is null ? name : $"{@namespace}:{name}";
        QualifiedUtf8 = Encoding.UTF8.GetBytes(Qualified);
    }

    /// <summary>The namespace, or null for HBase's default namespace.</summary>
    public string? Namespace { get; }

    /// <summary>The table's name inside its namespace.</summary>
    public string Name { get; }

    /// <summary><c>ns:name</c>, or just the name without a namespace.</summary>
    public string Qualified { get; }

    /// <summary>The qualified name as UTF-8 (what goes on the Thrift wire).</summary>
    public ReadOnlyMemory<byte> QualifiedUtf8 { get; }

    /// <summary>Parses <c>ns:name</c> or <c>name</c>.</summary>
    public static TableName Parse(string qualified)
    {
        ArgumentNullException.ThrowIfNull(qualified);
        var colon = qualified.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new TableName(null, qualified) : new TableName(qualified[..colon], qualified[(colon + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => Qualified;

    /// <summary>Names are equal when their qualified forms are (ordinal, case-sensitive, as in HBase).</summary>
    public bool Equals(TableName? other) => other is not null && string.Equals(Qualified, other.Qualified, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => Qualified.GetHashCode(StringComparison.Ordinal);

    private static void Validate(string part, string paramName)
    {
        if (string.IsNullOrEmpty(part))
        {
            throw new ArgumentException("Table names and namespaces must not be empty.", paramName);
        }
        if (part.Length > MaxPartLength)
        {
            throw new ArgumentException($"'{part[..16]}…' is longer than {MaxPartLength} characters.", paramName);
        }
        if (part[0] is '.' or '-')
        {
            throw new ArgumentException($"'{part}' must not start with '.' or '-'.", paramName);
        }
        foreach (var c in part)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                throw new ArgumentException($"'{part}' contains '{c}'; only A-Z, a-z, 0-9, '_', '.' and '-' are allowed.", paramName);
            }
        }
    }
}
