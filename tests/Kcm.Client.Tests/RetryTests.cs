using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Client.Tests.Fakes;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Kcm.Client.Tests;

[Collection(SiloCollection.Name)]
public sealed class RetryTests(SiloFixture fixture)
{
    public static TheoryData<string> TransientFailures => ["silo-unavailable", "timeout", "gateway-busy"];

    [Theory]
    [MemberData(nameof(TransientFailures))]
    public async Task Classify_FailingTwiceThenAnswering_SucceedsOnTheThirdTry(string failure)
    {
        var model = GrainScripts.NewKey("flaky");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (attempt, argument) =>
            attempt <= 2 ? throw Transient(failure) : Task.FromResult<object?>(Results.Completed((ClassifyBatch)argument!)));

        var result = await fixture.Client.ClassifyAsync(model, [1, 2], rows: 1);

        Assert.Equal(ClassifyStatus.Completed, result.Status);
        Assert.Equal(3, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
    }

    [Theory]
    [MemberData(nameof(TransientFailures))]
    public async Task Classify_FailingThreeTimes_SurfacesAsUnavailable_AfterThreeTries(string failure)
    {
        var model = GrainScripts.NewKey("down");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, _) => throw Transient(failure));
        var watch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KcmUnavailableException>(() => fixture.Client.ClassifyAsync(model, [1, 2], rows: 1));

        Assert.True(exception.Retriable);
        Assert.Null(exception.Status);
        Assert.Equal(3, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Reads_AreRetried()
    {
        var model = GrainScripts.NewKey("reads");
        GrainScripts.Set(model, FakeRegistryGrain.Current, (attempt, _) =>
            attempt <= 2 ? throw new SiloUnavailableException("gone") : Task.FromResult<object?>(Results.Version(5)));

        var current = await fixture.Client.GetServingVersionAsync(model);

        Assert.Equal(5, current?.Version);
        Assert.Equal(3, GrainScripts.CallsOf(model, FakeRegistryGrain.Current));
    }

    [Fact]
    public async Task AdminCalls_ThatChangeState_AreNotRetried()
    {
        var model = GrainScripts.NewKey("admin");
        GrainScripts.Set(model, FakeRegistryGrain.Rollback, (_, _) => throw new SiloUnavailableException("gone"));
        GrainScripts.Set(model, FakeRegistryGrain.Threshold, (_, _) => throw new TimeoutException("late"));
        GrainScripts.Set(model, FakeDistillationGrain.RunRound, (_, _) => throw new SiloUnavailableException("gone"));

        var rollback = await Assert.ThrowsAsync<KcmUnavailableException>(() => fixture.Client.RollbackAsync(model));
        await Assert.ThrowsAsync<KcmUnavailableException>(() => fixture.Client.SetThresholdAsync(model, 0.7));
        await Assert.ThrowsAsync<KcmUnavailableException>(() => fixture.Client.RunDistillationRoundAsync(model));

        Assert.Contains("not retried", rollback.Message, StringComparison.Ordinal);
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeRegistryGrain.Rollback));
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeRegistryGrain.Threshold));
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeDistillationGrain.RunRound));
    }

    [Fact]
    public void ClientSideConnectionFailures_CountAsTransient_OtherFailuresDoNot()
    {
        // A broken connection never crosses the wire (no codec), so it is checked here rather than thrown by a grain.
        Assert.True(Client.TransientFailures.IsTransient(new ConnectionFailedException("the connection broke")));
        Assert.True(Client.TransientFailures.IsTransient(new SiloUnavailableException()));
        Assert.False(Client.TransientFailures.IsTransient(new InvalidOperationException()));
        Assert.False(Client.TransientFailures.IsTransient(new OperationCanceledException()));
    }

    private static Exception Transient(string failure) => failure switch
    {
        "silo-unavailable" => new SiloUnavailableException("the silo died"),
        "timeout" => new TimeoutException("no response in time"),
        _ => new GatewayTooBusyException(),
    };
}
