namespace FeaturePlatform.FeatureApi.Auth;

/// <summary>The <c>Auth</c> configuration section: which API keys exist and what they may do.</summary>
public sealed record ApiKeySettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth";

    /// <summary>Shortest accepted key.</summary>
    public const int MinKeyLength = 8;

    /// <summary>Key → holder. Default: empty (every protected endpoint answers 401).</summary>
    public Dictionary<string, ApiKeyHolder> Keys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Well-known demo keys (the embedded default lists <c>demo-admin</c>, <c>demo-operator</c>, …), honoured only
    /// when <see cref="EnableDemoKeys"/> is true; kept apart from <see cref="Keys"/> so a deployment can switch them
    /// off without editing the embedded default. Default: empty.
    /// </summary>
    public Dictionary<string, ApiKeyHolder> DemoKeys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Whether <see cref="DemoKeys"/> are accepted. Default: false (the embedded appsettings.json sets true).</summary>
    public bool EnableDemoKeys { get; init; }

    /// <summary>The keys in force: <see cref="Keys"/>, plus <see cref="DemoKeys"/> when enabled (a key in both: <see cref="Keys"/> wins).</summary>
    public IReadOnlyDictionary<string, ApiKeyHolder> EffectiveKeys()
    {
        var keys = new Dictionary<string, ApiKeyHolder>(Keys, StringComparer.Ordinal);
        if (EnableDemoKeys)
        {
            foreach (var (key, holder) in DemoKeys)
            {
                keys.TryAdd(key, holder);
            }
        }
        return keys;
    }

    /// <summary>Throws a clear error for keys that are too short, nameless, or carry unknown roles.</summary>
    public void Validate()
    {
        foreach (var (key, holder) in EffectiveKeys())
        {
            if (key.Length < MinKeyLength)
            {
                throw new InvalidOperationException($"Auth:Keys: a key of '{holder.Name}' is shorter than {MinKeyLength} characters.");
            }
            if (string.IsNullOrWhiteSpace(holder.Name))
            {
                throw new InvalidOperationException($"Auth:Keys: a key has no Name.");
            }
            if (holder.Roles.Count == 0)
            {
                throw new InvalidOperationException($"Auth:Keys: the key of '{holder.Name}' has no roles.");
            }
            var unknown = holder.Roles.Where(r => !Auth.Roles.All.Contains(r, StringComparer.Ordinal)).ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Auth:Keys: the key of '{holder.Name}' has unknown roles {string.Join(", ", unknown)}; known: {string.Join(", ", Auth.Roles.All)}.");
            }
        }
    }
}

/// <summary>Who holds an API key.</summary>
public sealed record ApiKeyHolder
{
    /// <summary>The holder's name, recorded in the audit log and on proposals. Default: empty (invalid).</summary>
    public string Name { get; init; } = "";

    /// <summary>The holder's roles (see <see cref="Auth.Roles"/>). Default: none (invalid).</summary>
    public List<string> Roles { get; init; } = [];
}
