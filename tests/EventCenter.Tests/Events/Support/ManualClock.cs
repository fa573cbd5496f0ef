
namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>A clock tests set by hand.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
