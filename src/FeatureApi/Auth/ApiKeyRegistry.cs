using System.Security.Cryptography;
using System.Text;

namespace FeaturePlatform.FeatureApi.Auth;

/// <summary>Looks API keys up by their SHA-256 (the plain keys are not kept in the lookup table).</summary>
internal sealed class ApiKeyRegistry
{
    private readonly Dictionary<string, ApiKeyHolder> byHash;

    public ApiKeyRegistry(ApiKeySettings settings)
    {
        settings.Validate();
        byHash = settings.EffectiveKeys().ToDictionary(kv => Hash(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        DemoKeysEnabled = settings.EnableDemoKeys && settings.DemoKeys.Count > 0;
    }

    /// <summary>Whether the well-known demo keys are accepted (a warning is logged at start).</summary>
    public bool DemoKeysEnabled { get; }

    /// <summary>How many keys are accepted.</summary>
    public int Count => byHash.Count;

    public ApiKeyHolder? Find(string key) => byHash.GetValueOrDefault(Hash(key));

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
