using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FeaturePlatform.Testing.Platform;

/// <summary>
/// Builds a test's object graph with the builder production uses (<c>AddEventCenter</c>, and <c>AddRuntime</c> through
/// the <c>more</c> registrations); a test may put its own bus in (a Kafka mock cluster, a fault-injecting bus), which the
/// caller keeps owning. Hosted services are not started: the test starts the workers it wants.
/// </summary>
public static class EventCenterGraph
{
    /// <summary>The service provider of <paramref name="settings"/> with <paramref name="bus"/> (when given) as the bus.</summary>
    public static ServiceProvider Build(EventCenterSettings settings, IMessageBus? bus = null, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEventCenter(settings);
        more?.Invoke(services);
        if (bus is not null)
        {
            services.Replace(ServiceDescriptor.Singleton(bus));
        }
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
    }

    /// <summary>Wraps the keyed <typeparamref name="TService"/> <paramref name="key"/> registered so far in <paramref name="decorate"/>.</summary>
    public static IServiceCollection DecorateKeyed<TService>(this IServiceCollection services, object key, Func<TService, TService> decorate)
        where TService : class
    {
        var registered = services.Single(d => d.ServiceType == typeof(TService) && d.IsKeyedService && Equals(d.ServiceKey, key));
        var inner = registered.KeyedImplementationFactory ?? throw new InvalidOperationException($"{typeof(TService).Name} '{key}' is not registered by a factory.");
        services.Remove(registered);
        services.AddKeyedSingleton<TService>(key, (sp, k) => decorate((TService)inner(sp, k)));
        return services;
    }
}
