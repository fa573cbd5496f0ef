using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Correction;

/// <summary>
/// Told about corrected events once they are stored. The runtime implements it with late-data repair, so computations
/// that read a corrected entity run again; the event center depends on no implementation.
/// </summary>
/// <remarks>
/// Announcements travel on the bus (<see cref="CorrectionOptions.Topic"/>) and are taken by one process of the platform
/// (a consumer group), which calls every registered listener; a process with no listener does not take them. Delivery is
/// at-least-once: after a crash or a listener failure the same events come again, so a listener must be idempotent
/// (repair is: it replaces outputs only where the recomputed result differs from the latest revision).
/// </remarks>
public interface ICorrectionListener
{
    /// <summary>Handles corrected events of <paramref name="source"/> that are stored; throwing has them delivered again.</summary>
    Task CorrectedAsync(string source, IReadOnlyList<ChangeEvent> stored, CancellationToken cancellationToken);
}
