using Kcm.Abstractions.Classification;
using Kcm.Grains.Hosting;
using Kcm.Grains.Tests.Support;
using Kcm.Onnx;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Classification;

public sealed class ReadinessTests
{
    [Fact]
    public async Task CudaWithoutAGpu_LeavesTheGpuSiloNotReady_WithTheProvidersFailure()
    {
        await using var serving = await ServingCluster.StartAsync(
            new SharedGrainRecords(), new Dictionary<string, string?> { ["Kcm:Embedded:ExecutionProvider"] = "Cuda" }, waitUntilReady: false);
        var gpu = serving.Services(0).GetRequiredService<ServingReadiness>();
        var cpu = serving.Services(1).GetRequiredService<ServingReadiness>();

        // The cpu silo needs no large model: it serves once the registry has a version. The gpu silo's large model fails
        // at start, before the first version reaches it: wait for both.
        await serving.WaitUntilAsync(
            _ => gpu.Failure is not null && gpu.Version is not null && cpu.IsReady, TimeSpan.FromSeconds(60), "the gpu silo failed but holding a version, and the cpu silo ready");

        Assert.False(gpu.IsReady);
        Assert.Contains(nameof(OnnxProviderUnavailableException), Assert.IsType<LargeModelUnavailableException>(gpu.Failure).Message, StringComparison.Ordinal);
        Assert.NotNull(gpu.Version);
        var error = await Assert.ThrowsAsync<LargeModelUnavailableException>(() => serving.Client.GetGrain<ILargeModelGrain>(ServingCluster.Model).DescribeAsync());
        Assert.Contains("CUDA", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
