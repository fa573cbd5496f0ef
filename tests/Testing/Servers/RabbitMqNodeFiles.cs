using System.Globalization;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// The files and environment of a test RabbitMQ node: everything under its own directory, nothing read from
/// /etc/rabbitmq or /var/lib/rabbitmq, listeners on 127.0.0.1 only, no plugins.
/// </summary>
internal static class RabbitMqNodeFiles
{
    /// <summary>Writes the node's config files under <paramref name="dir"/> and returns its environment.</summary>
    public static async Task<Dictionary<string, string>> WriteAsync(string dir, string nodeName, int amqpPort, int distPort, int epmdPort, CancellationToken cancellationToken)
    {
        var home = Directory.CreateDirectory(Path.Combine(dir, "home")).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "mnesia"));
        Directory.CreateDirectory(Path.Combine(dir, "log"));
        var pluginsFile = Path.Combine(dir, "enabled_plugins");
        await File.WriteAllTextAsync(pluginsFile, "[].", cancellationToken);
        var envFile = Path.Combine(dir, "rabbitmq-env.conf");
        await File.WriteAllTextAsync(envFile, "# Empty: everything is set through the environment by RabbitMqServer.\n", cancellationToken);
        var confFile = Path.Combine(dir, "rabbitmq.conf");
        await File.WriteAllTextAsync(confFile, "# Test node: the node log goes to log/ only (stdout keeps what the VM itself prints).\nlog.console = false\nloopback_users.guest = true\n", cancellationToken);
        // Resolve localhost from /etc/hosts inside the VM instead of spawning the native resolver helper process.
        var inetrc = Path.Combine(dir, "inetrc");
        await File.WriteAllTextAsync(inetrc, "{lookup, [file, native]}.\n", cancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "rabbitmq.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsFile,
            ["RABBITMQ_CONF_ENV_FILE"] = envFile,
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq"), // rabbitmq.conf
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(dir, "advanced.config"),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["ERL_INETRC"] = inetrc,
            ["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture),
        };
        return environment;
    }
}
