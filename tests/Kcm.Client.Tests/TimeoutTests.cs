using System.Diagnostics;
using Kcm.Client.Tests.Fakes;

namespace Kcm.Client.Tests;

[Collection(SiloCollection.Name)]
public sealed class TimeoutTests(SiloFixture fixture)
{
    [Fact]
    public void ResponseTimeout_DefaultsToSixSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(6), new KcmClientOptions().ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(6), fixture.Client.Options.ResponseTimeout);
    }

    [Fact]
    public async Task ACallNeverAnswered_FailsAfterTheResponseTimeout()
    {
        var model = GrainScripts.NewKey("never");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, _) => GrainScripts.NeverAsync());
        await using var client = await KcmClient.ConnectAsync(fixture.Silo.Options(o =>
        {
            o.ResponseTimeout = TimeSpan.FromSeconds(1);
            o.MaxAttempts = 1;
        }));
        var watch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KcmUnavailableException>(() => client.ClassifyAsync(model, [1], rows: 1));

        // Orleans checks response timeouts on a timer (a 1 s try ends between 1 and 2 s); well below the 6 s default.
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4.5));
        Assert.IsType<TimeoutException>(exception.InnerException);
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
    }

    [Fact]
    public async Task TimedOutTries_AreRetried_ThreeTriesInAll()
    {
        var model = GrainScripts.NewKey("never-retried");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, _) => GrainScripts.NeverAsync());
        await using var client = await KcmClient.ConnectAsync(fixture.Silo.Options(o =>
        {
            o.ResponseTimeout = TimeSpan.FromSeconds(1);
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        }));
        var watch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KcmUnavailableException>(() => client.ClassifyAsync(model, [1], rows: 1));

        Assert.IsType<TimeoutException>(exception.InnerException);
        Assert.Equal(3, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.7), TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task TimedOutTries_EndWithTheRetryBudget()
    {
        var model = GrainScripts.NewKey("never-budget");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, _) => GrainScripts.NeverAsync());
        await using var client = await KcmClient.ConnectAsync(fixture.Silo.Options(o =>
        {
            o.ResponseTimeout = TimeSpan.FromSeconds(2);
            o.RetryBudget = TimeSpan.FromSeconds(2.5);
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        }));
        var watch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KcmUnavailableException>(() => client.ClassifyAsync(model, [1], rows: 1));

        // Orleans checks response timeouts on a timer, so a 2 s try ends between 2 and 4 s: one or two tries fit in the
        // budget, and the call ends with it, long before three full tries (6 to 12 s) would.
        Assert.Contains("retry budget", exception.Message, StringComparison.Ordinal);
        Assert.InRange(GrainScripts.CallsOf(model, FakeJudgeGrain.Classify), 1, 2);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.4), TimeSpan.FromSeconds(5.5));
    }
}
