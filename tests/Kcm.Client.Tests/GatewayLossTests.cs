using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Client.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kcm.Client.Tests;

/// <summary>
/// A try waiting when a gateway connection closes is retried at once: Orleans would fail it only at the response
/// timeout. (A real gateway killed under load: tests/Kcm.OrleansCluster.Tests GpuSiloKillTests.)
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class GatewayLossTests(SiloFixture fixture)
{
    [Fact]
    public async Task ATryWaitingWhenAGatewayConnectionCloses_IsRetriedAtOnce()
    {
        var model = GrainScripts.NewKey("gateway-lost");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (attempt, argument) =>
            attempt == 1 ? GrainScripts.NeverAsync() : Task.FromResult<object?>(Results.Completed((ClassifyBatch)argument!)));
        using var host = ClientHost();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<KcmClient>();
        var signal = host.Services.GetRequiredService<GatewayLossSignal>();

        var call = client.ClassifyAsync(model, [1, 2], rows: 1);
        while (GrainScripts.CallsOf(model, FakeJudgeGrain.Classify) == 0)
        {
            await Task.Delay(10);
        }

        var watch = Stopwatch.StartNew();
        signal.NotifyGatewayCountChanged(0, 1, connectionRecovered: false);
        var result = await call;

        Assert.Equal(ClassifyStatus.Completed, result.Status);
        Assert.Equal(2, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
        // The backoff (100 ms here) and one more call, far below the 6 s response timeout the try would have waited.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"the retry came {watch.Elapsed} after the gateway loss");
        await host.StopAsync();
    }

    [Fact]
    public async Task AGatewayConnectionOpening_LeavesTriesInFlightAlone()
    {
        var model = GrainScripts.NewKey("gateway-added");
        var answer = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, argument) => answer.Task.ContinueWith(_ => (object?)Results.Completed((ClassifyBatch)argument!), TaskScheduler.Default));
        using var host = ClientHost();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<KcmClient>();
        var signal = host.Services.GetRequiredService<GatewayLossSignal>();

        var call = client.ClassifyAsync(model, [1, 2], rows: 1);
        while (GrainScripts.CallsOf(model, FakeJudgeGrain.Classify) == 0)
        {
            await Task.Delay(10);
        }

        signal.NotifyGatewayCountChanged(2, 1, connectionRecovered: false);
        await Task.Delay(300);
        answer.SetResult(null);

        Assert.Equal(ClassifyStatus.Completed, (await call).Status);
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
        await host.StopAsync();
    }

    private IHost ClientHost()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKcmClient(options =>
        {
            options.Gateways.Add(fixture.Silo.Gateway);
            options.RetryDelay = TimeSpan.FromMilliseconds(100);
        });
        return builder.Build();
    }
}
