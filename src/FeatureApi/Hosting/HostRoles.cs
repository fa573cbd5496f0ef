using Microsoft.Extensions.Options;

namespace FeaturePlatform.FeatureApi.Hosting;

/// <summary>
/// Applies <see cref="HostRoleSettings"/> to the builder before the event center and the runtime read their settings:
/// the role's keys that are not set explicitly get the role's values; an explicit contradiction or an unknown role
/// fails start-up (ValidateOnStart) naming the key and the fix.
/// </summary>
internal static class HostRoles
{
    public static void Apply(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(HostRoleSettings.SectionName);
        builder.Services.AddOptions<HostRoleSettings>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HostRoleSettings>>(new Validator(builder.Configuration));
        // A role that does not parse sets nothing here; the validator fails start-up with it.
        if (!Enum.TryParse<HostRole>(section[nameof(HostRoleSettings.Role)] ?? nameof(HostRole.All), ignoreCase: true, out var role) || !Enum.IsDefined(role))
        {
            return;
        }
        var implied = HostRoleSettings.KeysOf(role).Where(k => builder.Configuration[k.Key] is null)
            .ToDictionary(k => k.Key, k => (string?)k.Value, StringComparer.OrdinalIgnoreCase);
        if (implied.Count > 0)
        {
            builder.Configuration.AddInMemoryCollection(implied);
        }
    }

    private sealed class Validator(IConfiguration configuration) : IValidateOptions<HostRoleSettings>
    {
        public ValidateOptionsResult Validate(string? name, HostRoleSettings options)
        {
            if (!Enum.IsDefined(options.Role))
            {
                return ValidateOptionsResult.Fail($"Platform:Role must be one of {string.Join(", ", Enum.GetNames<HostRole>())}.");
            }
            var problems = options.Problems(configuration);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
