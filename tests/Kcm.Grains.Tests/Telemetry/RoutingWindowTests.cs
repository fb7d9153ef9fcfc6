using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Tests.Telemetry;

public sealed class RoutingWindowTests
{
    [Fact]
    public void LargeShare_ConcurrentRecords_CountsExactly()
    {
        var window = new RoutingWindow(60);

        Parallel.For(0, 1000, _ => window.Record(small: 3, large: 1));

        Assert.Equal(0.25, window.LargeShare(), 12);
    }

    [Fact]
    public void LargeShare_Nothing_IsZero() => Assert.Equal(0, new RoutingWindow(5).LargeShare());
}
