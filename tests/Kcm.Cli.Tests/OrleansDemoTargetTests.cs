using Kcm.Cli.Demo;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Hosting;
using Kcm.Testing;

namespace Kcm.Cli.Tests;

/// <summary>
/// The demo's Orleans target against real embedded silos: traffic and admin reads through the Orleans client, records
/// queued and batch latencies from the silo's own metrics, and only from that silo when another runs in the process.
/// </summary>
public sealed class OrleansDemoTargetTests : IAsyncLifetime
{
    private const int Rows = 16;
    private const string Threshold = "0.6";
    private const string AdminToken = "demo-target-admin-token";

    private readonly List<string> _stores = [];

    public OrleansDemoTargetTests()
    {
        // The silo resolves models/ under KCM_HOME, as ./kcm sets it.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KCM_HOME")))
        {
            Environment.SetEnvironmentVariable("KCM_HOME", RepositoryRoot.Path);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var store in _stores.Where(Directory.Exists))
        {
            Directory.Delete(store, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Traffic_IsCountedFromThisSilosMetrics_AndARoundConsumesWhatTheLargeModelQueued()
    {
        var test = FashionMnist.LoadTest().Slice(0, 8 * Rows);
        await using var silo = await StartSiloAsync();
        await using var other = await StartSiloAsync();
        using var meters = new SiloMeterReadings(silo.Services);
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = silo.Endpoints.GatewayPort, AdminToken = AdminToken });
        await using var otherClient = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = other.Endpoints.GatewayPort });
        var target = new OrleansDemoTarget(client, KcmRoutes.DefaultModel, meters, "test");
        var otherTarget = new OrleansDemoTarget(otherClient, KcmRoutes.DefaultModel, meters, "other");
        var latencies = new ServerLatencies();
        target.RecordServerLatencies(latencies);

        int large = 0, batchesWithSmall = 0, batchesWithLarge = 0;
        for (var b = 0; b < test.Count / Rows; b++)
        {
            var answer = await target.ClassifyAsync(test.Features.AsMemory(b * Rows * test.FeatureCount, Rows * test.FeatureCount), Rows, CancellationToken.None);
            Assert.Equal(Rows, answer.Labels.Length);
            Assert.Equal(1, answer.SmallModelVersion);
            var batchLarge = answer.Routes.Count(r => r == InferenceRoute.Large);
            large += batchLarge;
            batchesWithLarge += batchLarge > 0 ? 1 : 0;
            batchesWithSmall += batchLarge < Rows ? 1 : 0;
        }

        target.RecordServerLatencies(null);
        // Traffic to the other silo in this process is not this silo's.
        await otherTarget.ClassifyAsync(test.Features.AsMemory(0, Rows * test.FeatureCount), Rows, CancellationToken.None);
        var before = await target.ReadDistillationAsync(CancellationToken.None);
        var round = await client.RunDistillationRoundAsync(KcmRoutes.DefaultModel);
        var after = await target.ReadDistillationAsync(CancellationToken.None);
        var serving = await target.ReadServingAsync(CancellationToken.None);

        Assert.InRange(large, 1, test.Count - 1);
        Assert.Equal((long)large, before.RecordsQueued);
        Assert.Equal(0, before.RecordsConsumed);
        Assert.Equal(DistillationCounts.None, before.Rounds);
        Assert.Equal(large, round.SampleCount);
        Assert.Equal((long)large, after.RecordsConsumed);
        Assert.Equal(0, after.RecordsOwed);
        Assert.Equal(1, after.Rounds.Total);
        var (small, largeLatencies) = latencies.Read();
        Assert.Equal(batchesWithSmall, small.Count);
        Assert.Equal(batchesWithLarge, largeLatencies.Count);
        Assert.All(small.Concat(largeLatencies), ms => Assert.InRange(ms, 0.0, 5_000.0));
        Assert.Equal(double.Parse(Threshold, System.Globalization.CultureInfo.InvariantCulture), serving.Threshold);
        Assert.Contains(serving.KeptSmallVersions, v => v.Version == 1);
        Assert.Equal(serving.SmallVersion, serving.KeptSmallVersions[^1].Version);
    }

    /// <summary>An embedded silo on free ports in its quick shape (judge and small model trained in about a second), distillation on demand only, threshold <see cref="Threshold"/>.</summary>
    private async Task<SiloHost> StartSiloAsync()
    {
        var store = Path.Combine(Path.GetTempPath(), "kcm-demo-target-test-" + Guid.NewGuid().ToString("N"));
        _stores.Add(store);
        var silo = SiloHost.CreateEmbedded(
        [
            "--urls=http://127.0.0.1:0", "--Kcm:Orleans:SiloPort=0", "--Kcm:Orleans:GatewayPort=0", "--Logging:LogLevel:Default=Warning",
            "--Kcm:StorePath=" + store, "--Kcm:Embedded:SeedSamples=2000", "--Kcm:Embedded:Epochs=1", "--Kcm:Embedded:CheckSamples=500",
            // A weak judge is confident about few images at the default 0.98: a lower threshold gives both routes traffic.
            "--Kcm:Distillation:Enabled=false", "--Kcm:Calibration:Rule=FixedEpsilon", "--Kcm:Calibration:Epsilon=" + Threshold,
            // The distillation round is an admin grain call: the client carries this token.
            "--Kcm:AdminToken=" + AdminToken,
        ]);
        try
        {
            await silo.StartAsync();
            await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }
}
