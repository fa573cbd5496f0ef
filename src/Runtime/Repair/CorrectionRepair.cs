using FeaturePlatform.EventCenter.Correction;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Hosting;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// Late-data repair of offline corrections: the event center announces corrected events it stored (they never pass the
/// bus topics <see cref="RepairService"/> follows), and this re-runs the live computations whose reads they change, the
/// same way a late event is repaired. Registered only where repair runs (repair enabled and live jobs run here).
/// </summary>
internal sealed class CorrectionRepair(RepairService repair, RuntimeStartup startup) : ICorrectionListener
{
    public async Task CorrectedAsync(string source, IReadOnlyList<ChangeEvent> stored, CancellationToken cancellationToken)
    {
        await startup.Ready.WaitAsync(cancellationToken);
        await repair.RepairAsync(source, stored, cancellationToken);
    }
}
