using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.EventCenter.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.EventCenter.Hosting;

/// <summary>
/// Delivers announcements of corrected events (<see cref="CorrectionAnnouncer"/>) to this process's
/// <see cref="ICorrectionListener"/>s: follows the announcements topic in the consumer group <see cref="GroupId"/>, so
/// each announcement is taken by one process of the platform, loads the announced events once they are stored, calls
/// every listener and commits. A process without listeners does not join, leaving announcements to one that has them;
/// nor does one whose sources mirror no table (nothing is ever corrected).
/// </summary>
internal sealed class CorrectionAnnouncementService(
    EventCenterSettings settings,
    EventCenterStartup startup,
    IMessageBus bus,
    IEventReader events,
    CorrectionAnnouncer announcer,
    IEnumerable<ICorrectionListener> listeners,
    SourceRegistry sources,
    TimeProvider clock,
    ILogger<CorrectionAnnouncementService> logger) : BackgroundService
{
    /// <summary>The consumer group taking announcements.</summary>
    public const string GroupId = "featureplatform-correction-repair";

    private static readonly Backoff Restart = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    private readonly IReadOnlyList<ICorrectionListener> all = [.. listeners];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (all.Count == 0 || !sources.All.Any(s => s.Mirror is not null))
        {
            return; // nothing to hand announcements to, or no source that can be corrected
        }
        try
        {
            await startup.Ready.WaitAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return; // The event center failed to start: readiness says why.
        }
        var supervisor = new Supervisor(Restart, clock, failure =>
        {
            logger.LogError(failure.Error, "Delivering correction announcements failed; restarting in {Delay}", failure.Delay);
            return ValueTask.CompletedTask;
        });
        try
        {
            await supervisor.RunAsync(FollowAsync, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        await announcer.EnsureTopicAsync(cancellationToken);
        await using var consumer = bus.CreateConsumer(GroupId, [settings.Correction.Topic]);
        while (!cancellationToken.IsCancellationRequested)
        {
            var messages = await consumer.ConsumeAsync(20, TimeSpan.FromSeconds(1), cancellationToken);
            foreach (var message in messages)
            {
                if (CorrectionNotice.Decode(message.Value) is { } notice)
                {
                    await DeliverAsync(notice, cancellationToken);
                }
                else
                {
                    logger.LogWarning("Skipped a message on {Topic} (partition {Partition}, offset {Offset}) that is no correction announcement",
                        message.Topic, message.Partition, message.Offset);
                }
                await consumer.CommitAsync([message.Next], cancellationToken);
            }
        }
    }

    /// <summary>Waits for the announced events to be stored (the run writes them right after announcing), then hands them on.</summary>
    private async Task DeliverAsync(CorrectionNotice notice, CancellationToken cancellationToken)
    {
        var deadline = clock.GetTimestamp() + (long)(settings.Correction.StoredWait.TotalSeconds * clock.TimestampFrequency);
        var pause = TimeSpan.FromMilliseconds(10);
        IReadOnlyList<ChangeEvent?> found;
        while (true)
        {
            found = await events.GetByIdsAsync(notice.Source, notice.EventIds, cancellationToken);
            if (found.All(e => e is not null) || clock.GetTimestamp() >= deadline)
            {
                break;
            }
            await Task.Delay(pause, clock, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
        }
        var stored = found.OfType<ChangeEvent>().ToList();
        if (stored.Count < notice.EventIds.Count)
        {
            logger.LogWarning("{Missing} of {Count} announced corrections of source {Source} were not stored within {Wait} (their correction run failed); they are not repaired",
                notice.EventIds.Count - stored.Count, notice.EventIds.Count, notice.Source, settings.Correction.StoredWait);
        }
        if (stored.Count == 0)
        {
            return;
        }
        foreach (var listener in all)
        {
            await listener.CorrectedAsync(notice.Source, stored, cancellationToken);
        }
    }
}
