using System.Runtime.InteropServices;
using FeaturePlatform.KafkaMock;
using FeaturePlatform.Testing.Kafka;

// Starts librdkafka's mock Kafka cluster on loopback. stdout line 1 is the bootstrap.servers list (machine-readable);
// later lines start with '#'. Runs until SIGINT/SIGTERM, then stops the brokers and exits 0.
MockOptions options;
try
{
    options = MockOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

using (var cluster = KafkaMockCluster.Start(options.Brokers))
{
    foreach (var (name, partitions) in options.Topics)
    {
        cluster.CreateTopic(name, partitions);
    }
    Console.Out.WriteLine(cluster.BootstrapServers);
    Console.Out.WriteLine($"# {options.Brokers} broker(s) up (ids 1..{options.Brokers})");
    foreach (var (name, partitions) in options.Topics)
    {
        Console.Out.WriteLine($"# topic {name}: {partitions} partition(s)");
    }
    Console.Out.WriteLine("# running; Ctrl+C or SIGTERM stops");
    Console.Out.Flush();
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // Signalled.
    }
}
Console.Out.WriteLine("# stopped");
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true; // we exit on our own after disposing the cluster
    stop.Cancel();
}
