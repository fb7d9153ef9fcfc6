using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Client.Tests.Fakes;

namespace Kcm.Client.Tests;

/// <summary>A real failure, not a scripted one: the only silo stops under a connected client.</summary>
public sealed class SiloDownTests
{
    [Fact]
    public async Task Classify_WhenTheOnlySiloIsGone_SurfacesAsUnavailable_WithinTheBudget()
    {
        var model = GrainScripts.NewKey("gone");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, argument) => Task.FromResult<object?>(Results.Completed((ClassifyBatch)argument!)));
        var silo = await TestSilo.StartAsync();
        await using var client = await KcmClient.ConnectAsync(silo.Options(o => o.RetryBudget = TimeSpan.FromSeconds(5)));
        await client.ClassifyAsync(model, [1], rows: 1);
        await silo.DisposeAsync();
        var watch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KcmUnavailableException>(() => client.ClassifyAsync(model, [1], rows: 1));

        Assert.True(exception.Retriable);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(7), $"took {watch.Elapsed}");
    }
}
