using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Client.Tests.Fakes;

namespace Kcm.Client.Tests;

[Collection(SiloCollection.Name)]
public sealed class AdminTests(SiloFixture fixture)
{
    [Fact]
    public async Task AdminCalls_ReachTheirGrains_WithTheirArguments()
    {
        var model = GrainScripts.NewKey("admin");
        object? rollbackTo = "unset";
        object? threshold = null;
        GrainScripts.Set(model, FakeRegistryGrain.Current, (_, _) => Task.FromResult<object?>(null));
        GrainScripts.Set(model, FakeRegistryGrain.History, (_, _) => Task.FromResult<object?>(new[] { Results.Version(1), Results.Version(2) }));
        GrainScripts.Set(model, FakeRegistryGrain.Rollback, (_, argument) =>
        {
            rollbackTo = argument;
            return Task.FromResult<object?>(Results.Version(3));
        });
        GrainScripts.Set(model, FakeRegistryGrain.Threshold, (_, argument) =>
        {
            threshold = argument;
            return Task.FromResult<object?>(Results.Version(4, (double)argument!));
        });
        GrainScripts.Set(model, FakeDistillationGrain.Status, (_, _) => Task.FromResult<object?>(new DistillationStatus(1, 2, 3, 4, 500, false)));
        GrainScripts.Set(model, FakeLargeModelGrain.Describe, (_, _) => Task.FromResult<object?>(new LargeModelDescription("cnn.onnx", "hint", 784, 10)));

        Assert.Null(await fixture.Client.GetServingVersionAsync(model));
        Assert.Equal([1, 2], (await fixture.Client.GetServingHistoryAsync(model)).Select(v => v.Version));
        Assert.Equal(3, (await fixture.Client.RollbackAsync(model)).Version);
        Assert.Null(rollbackTo);
        await fixture.Client.RollbackAsync(model, version: 1);
        Assert.Equal(1, rollbackTo);
        Assert.Equal(0.65, (await fixture.Client.SetThresholdAsync(model, 0.65)).Threshold);
        Assert.Equal(0.65, threshold);
        Assert.Equal(500, (await fixture.Client.GetDistillationStatusAsync(model)).RecordsConsumed);
        Assert.Equal(new LargeModelDescription("cnn.onnx", "hint", 784, 10), await fixture.Client.DescribeLargeModelAsync(model));
    }

    [Fact]
    public async Task DistillationRound_KeepsItsLongTimeout_NotTheShortDefault()
    {
        var model = GrainScripts.NewKey("round");
        GrainScripts.Set(model, FakeDistillationGrain.RunRound, async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            return Results.Round();
        });
        await using var client = await KcmClient.ConnectAsync(fixture.Silo.Options(o => o.ResponseTimeout = TimeSpan.FromSeconds(0.5)));

        var round = await client.RunDistillationRoundAsync(model);

        Assert.Equal(DistillationOutcome.Accepted, round.Outcome);
    }

    [Fact]
    public async Task ClusterRefusals_SurfaceAsRequestRejected()
    {
        var model = GrainScripts.NewKey("refused");
        GrainScripts.Set(model, FakeRegistryGrain.Rollback, (_, _) => throw new InvalidOperationException("version 9 is not kept"));

        var exception = await Assert.ThrowsAsync<KcmRequestRejectedException>(() => fixture.Client.RollbackAsync(model, 9));

        Assert.False(exception.Retriable);
        Assert.Contains("version 9 is not kept", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadAdminArguments_ThrowNamingTheField()
    {
        Assert.Equal("threshold", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Client.SetThresholdAsync("m", 1.0))).ParamName);
        Assert.Equal("threshold", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Client.SetThresholdAsync("m", double.NaN))).ParamName);
        Assert.Equal("version", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Client.RollbackAsync("m", 0))).ParamName);
        Assert.Equal("model", (await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetServingVersionAsync(" m"))).ParamName);
    }
}
