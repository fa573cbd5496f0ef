using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Hosting;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// Late-data repair of offline corrections: the event center announces corrected events it stored (they never pass the
/// bus topics <see cref="RepairService"/> follows), and this re-runs the live computations whose reads they change, the
/// same way a late event is repaired; jobs triggered by the corrected source run on the corrections themselves, as a
/// replay of the source runs them (live never saw them on the bus). Registered only where repair runs (repair enabled and live jobs run here).
/// </summary>
internal sealed class CorrectionRepair(RepairService repair, RuntimeStartup startup) : ICorrectionListener
{
    public async Task CorrectedAsync(string source, IReadOnlyList<ChangeEvent> stored, CancellationToken cancellationToken)
    {
        await startup.Ready.WaitAsync(cancellationToken);
        // Jobs triggered by the source compute the corrections as a replay would; then what read the entities is repaired.
        await repair.RunUnseenTriggersAsync(source, stored, cancellationToken);
        await repair.RepairAsync(source, stored, cancellationToken);
    }
}
