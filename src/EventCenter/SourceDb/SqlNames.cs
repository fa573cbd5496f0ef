using System.Text.RegularExpressions;

namespace FeaturePlatform.EventCenter.SourceDb;

/// <summary>Table and column names from configuration, checked and quoted so they can never inject SQL.</summary>
internal static partial class SqlNames
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$]{0,62}$")]
    private static partial Regex Identifier();

    /// <summary>Quotes an optionally schema-qualified name with <paramref name="quote"/> (" for PostgreSQL, ` for MySQL).</summary>
    public static string Quote(string name, char quote)
    {
        var parts = name.Split('.');
        if (parts.Length > 2 || parts.Any(p => !Identifier().IsMatch(p)))
        {
            throw new ArgumentException($"'{name}' is not a valid table or column name (letters, digits, '_', optionally schema.table).");
        }
        return string.Join('.', parts.Select(p => $"{quote}{p}{quote}"));
    }
}
