using System.Text;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>A parsed routing key template: literal text with placeholders {job}, {key} and {source} ({{ and }} escape braces).</summary>
internal sealed class RoutingKeyTemplate
{
    private const int MaxBytes = 255;
    private readonly IReadOnlyList<(string? Literal, string? Placeholder)> parts;

    private RoutingKeyTemplate(IReadOnlyList<(string?, string?)> parts) => this.parts = parts;

    /// <summary>Parses <paramref name="template"/>; throws <see cref="ArgumentException"/> on an unknown placeholder or a stray brace.</summary>
    public static RoutingKeyTemplate Parse(string template)
    {
        var parts = new List<(string?, string?)>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                literal.Append(c);
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                var name = end < 0 ? null : template[(i + 1)..end];
                if (name is not ("job" or "key" or "source" or "version"))
                {
                    throw new ArgumentException($"Routing key template '{template}': unknown or unterminated placeholder at {i}; use {{job}}, {{key}}, {{source}}, {{version}}, or {{{{ }}}} for braces.");
                }
                if (literal.Length > 0)
                {
                    parts.Add((literal.ToString(), null));
                    literal.Clear();
                }
                parts.Add((null, name));
                i = end;
            }
            else if (c == '}')
            {
                throw new ArgumentException($"Routing key template '{template}': stray '}}' at {i}; write '}}}}' for a literal brace.");
            }
            else
            {
                literal.Append(c);
            }
        }
        if (literal.Length > 0)
        {
            parts.Add((literal.ToString(), null));
        }
        return new RoutingKeyTemplate(parts);
    }

    /// <summary>The routing key of <paramref name="result"/>, cut to 255 UTF-8 bytes at a character boundary.</summary>
    public string Render(FeatureResult result)
    {
        var key = new StringBuilder();
        foreach (var (literal, placeholder) in parts)
        {
            key.Append(placeholder switch
            {
                null => literal,
                "job" => result.Job,
                "key" => result.Key,
                "source" => result.Trigger.Source,
                _ => result.JobVersion,
            });
        }
        var text = key.ToString();
        if (Encoding.UTF8.GetByteCount(text) <= MaxBytes)
        {
            return text;
        }
        var length = 0;
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxBytes)
            {
                break;
            }
            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }
        return text[..length];
    }
}
