using System.Diagnostics;
using FeaturePlatform.Testing.Infrastructure;
using RabbitMQ.Client;

namespace FeaturePlatform.Testing.Servers;

/// <summary>
/// A RabbitMQ 3.10 node from Debian's package, run as root from <c>/usr/lib/rabbitmq/bin</c> with its own HOME,
/// node name, epmd (on its own port, so parallel test assemblies never share one), AMQP and distribution ports,
/// all bound to 127.0.0.1, with data and logs under a kept temp directory. Supports stop/kill and start again
/// on the same ports and data (durable queues and persistent messages survive), for fault tests.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string BinDir = "/usr/lib/rabbitmq/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, string> environment;
    private readonly ServerProcess epmd;
    private ServerProcess? broker;

    private RabbitMqServer(string directory, string nodeName, int amqpPort, int distPort, int epmdPort, ServerProcess epmd, Dictionary<string, string> environment)
    {
        DataDirectory = directory;
        NodeName = nodeName;
        AmqpPort = amqpPort;
        DistPort = distPort;
        EpmdPort = epmdPort;
        this.epmd = epmd;
        this.environment = environment;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The AMQP 0-9-1 port.</summary>
    public int AmqpPort { get; }

    /// <summary>The Erlang distribution port (used by rabbitmqctl).</summary>
    public int DistPort { get; }

    /// <summary>The port of this node's private epmd.</summary>
    public int EpmdPort { get; }

    /// <summary>The Erlang node name, unique per run (e.g. <c>fprabbit_123_1_abcd@localhost</c>).</summary>
    public string NodeName { get; }

    /// <summary>The server's directory: HOME, mnesia (data), logs.</summary>
    public string DataDirectory { get; }

    /// <summary>AMQP URI with the default guest account (allowed on loopback).</summary>
    public string ConnectionString => $"amqp://guest:guest@{Host}:{AmqpPort}/";

    /// <summary>How long the last (re)start took until AMQP connections succeeded.</summary>
    public TimeSpan LastStartupTime { get; private set; }

    /// <summary>True while the broker process runs.</summary>
    public bool IsRunning => broker?.IsRunning == true;

    /// <summary>The broker's OS process id (the rabbitmq-server script; the Erlang VM is its child).</summary>
    public int? Pid => broker?.Pid;

    /// <summary>Starts a fresh node and waits until it accepts AMQP connections.</summary>
    public static async Task<RabbitMqServer> StartAsync(CancellationToken cancellationToken = default)
    {
        // Ports are picked free but may be taken by someone else before the node binds them: retry afresh.
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var server = await CreateAsync(cancellationToken);
            try
            {
                await server.StartBrokerAsync(cancellationToken);
                return server;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = new InvalidOperationException($"{e.Message}\n{server.TailLog()}", e);
                await server.DisposeAsync();
            }
        }
        throw last!;
    }

    /// <summary>A connection factory for this node (guest account, async consumers).</summary>
    public ConnectionFactory CreateConnectionFactory(string? clientName = null) => new()
    {
        HostName = Host,
        Port = AmqpPort,
        UserName = "guest",
        Password = "guest",
        VirtualHost = "/",
        ClientProvidedName = clientName ?? "featureplatform-tests",
        RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Opens a new AMQP connection.</summary>
    public Task<IConnection> ConnectAsync(string? clientName = null, CancellationToken cancellationToken = default) =>
        CreateConnectionFactory(clientName).CreateConnectionAsync(cancellationToken);

    /// <summary>Declares a durable, non-exclusive queue with a unique name and returns the name.</summary>
    public async Task<string> DeclareDurableQueueAsync(string prefix = "q", IDictionary<string, object?>? arguments = null, CancellationToken cancellationToken = default)
    {
        var name = UniqueName.For(prefix);
        await using var connection = await ConnectAsync("fixture-declare", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
        return name;
    }

    /// <summary>Declares a durable exchange with a unique name and returns the name.</summary>
    public async Task<string> DeclareDurableExchangeAsync(string prefix = "x", string type = ExchangeType.Topic, CancellationToken cancellationToken = default)
    {
        var name = UniqueName.For(prefix);
        await using var connection = await ConnectAsync("fixture-declare", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(name, type, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        return name;
    }

    /// <summary>Gracefully stops the broker (SIGTERM); epmd, ports and data stay for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (broker is not null)
        {
            await broker.StopAsync(StopGrace); // SIGTERM, wait, then kill the tree after the grace period.
            await broker.DisposeAsync();
            broker = null;
        }
    }

    /// <summary>Kills the broker's whole process tree at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (broker is not null)
        {
            await broker.KillAsync();
            await broker.DisposeAsync();
            broker = null;
        }
    }

    /// <summary>Starts the stopped broker again on the same ports, node name and data directory.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"RabbitMQ node {NodeName} is already running.");
        }
        return StartBrokerAsync(cancellationToken);
    }

    /// <summary>Stops the broker gracefully and starts it again on the same ports and data.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartBrokerAsync(cancellationToken);
    }

    /// <summary>Runs <c>rabbitmqctl</c> against this node (e.g. <c>list_queues</c>, <c>close_all_connections</c>).</summary>
    public Task<(int ExitCode, string Output)> RabbitMqCtlAsync(params string[] arguments) =>
        ServerProcess.RunAsync(Path.Combine(BinDir, "rabbitmqctl"), ["-n", NodeName, .. arguments], TimeSpan.FromSeconds(60), environment, DataDirectory);

    /// <summary>The end of the broker's console output and node log, for failure messages.</summary>
    public string TailLog(int maxChars = 6000) =>
        LogTail.Of(Path.Combine(DataDirectory, "rabbitmq-server.out.log"), maxChars / 2) + "\n"
        + LogTail.Of(Path.Combine(DataDirectory, "log", NodeName + ".log"), maxChars / 2);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await epmd.DisposeAsync();
    }

    private static async Task<RabbitMqServer> CreateAsync(CancellationToken cancellationToken)
    {
        var dir = TestPaths.NewServerDirectory("rabbitmq");
        var nodeName = UniqueName.For("fprabbit") + "@localhost";
        var ports = DistinctFreePorts(3);
        var (amqpPort, distPort, epmdPort) = (ports[0], ports[1], ports[2]);
        var home = Directory.CreateDirectory(Path.Combine(dir, "home")).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "mnesia"));
        Directory.CreateDirectory(Path.Combine(dir, "log"));
        var pluginsFile = Path.Combine(dir, "enabled_plugins");
        await File.WriteAllTextAsync(pluginsFile, "[].", cancellationToken);
        var envFile = Path.Combine(dir, "rabbitmq-env.conf");
        await File.WriteAllTextAsync(envFile, "# Empty: everything is set through the environment by RabbitMqServer.\n", cancellationToken);
        var confFile = Path.Combine(dir, "rabbitmq.conf");
        await File.WriteAllTextAsync(confFile, "# Test node: no settings beyond the environment.\nloopback_users.guest = true\n", cancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "rabbitmq.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsFile,
            ["RABBITMQ_CONF_ENV_FILE"] = envFile,
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq"), // rabbitmq.conf
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(dir, "advanced.config"),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["ERL_EPMD_PORT"] = epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        // Our own epmd, started first and stopped by pid: Erlang would otherwise daemonize one we cannot track.
        var epmd = ServerProcess.Start(
            "epmd", "/usr/bin/epmd", ["-port", epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-address", "127.0.0.1"],
            Path.Combine(dir, "epmd.log"), environment, dir);
        await FreePort.WaitListeningAsync(epmdPort, TimeSpan.FromSeconds(10), () => epmd.IsRunning);
        return new RabbitMqServer(dir, nodeName, amqpPort, distPort, epmdPort, epmd, environment);
    }

    private async Task StartBrokerAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        broker = ServerProcess.Start(
            "rabbitmq-server", Path.Combine(BinDir, "rabbitmq-server"), [],
            Path.Combine(DataDirectory, "rabbitmq-server.out.log"), environment, DataDirectory);
        var current = broker;
        await FreePort.WaitListeningAsync(AmqpPort, StartTimeout, () => current.IsRunning);
        await WaitAmqpAsync(current, stopwatch, cancellationToken);
        LastStartupTime = stopwatch.Elapsed;
    }

    private async Task WaitAmqpAsync(ServerProcess current, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var factory = CreateConnectionFactory("fixture-readiness");
        while (true)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync(cancellationToken);
                return;
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
            {
                if (!current.IsRunning)
                {
                    throw new InvalidOperationException($"RabbitMQ node {NodeName} exited during start-up.", e);
                }
                if (stopwatch.Elapsed > StartTimeout)
                {
                    throw new TimeoutException($"RabbitMQ node {NodeName} did not accept AMQP connections within {StartTimeout}.", e);
                }
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private static int[] DistinctFreePorts(int count)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            ports.Add(FreePort.Next());
        }
        return [.. ports];
    }
}
