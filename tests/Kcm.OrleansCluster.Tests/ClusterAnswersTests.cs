using System.Net;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Registry;
using Kcm.Client;
using Kcm.Grains.Hosting;
using Kcm.Grains.Registry;
using Kcm.Models.Storage;
using Kcm.OrleansCluster.Tests.Support;
using Kcm.Silo.Hosting;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// Answers over the Orleans client from the four-process cluster equal the embedded silo's (one process, localhost
/// clustering, its own folder store) when both serve the same weights and threshold.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class ClusterAnswersTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    private const int Batches = 4;
    private const int Rows = 16;
    private const double FixtureThreshold = 0.9999;

    [Fact]
    public async Task AnswersOverTheOrleansClient_EqualTheEmbeddedSilos_ForTheSameVersion()
    {
        await cluster.EnsureAllRunningAsync();
        // A threshold that sends some rows to the small model, some to the large one (the fixture's sends nearly all
        // large): the median of the judge's confidences on these images, whatever distillation made of the judge.
        var confidences = new List<float>();
        for (var b = 0; b < Batches; b++)
        {
            confidences.AddRange((await cluster.Client.ClassifyAsync(ClusterLoad.Model, Batch(b), Rows)).Confidences);
        }

        var mixed = Math.Clamp(confidences.Order().ElementAt(confidences.Count / 2), 0.01, 0.99);
        // Nothing waits to be distilled (those calls' records included), so no round publishes while the cluster answers.
        await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        await cluster.Client.SetThresholdAsync(ClusterLoad.Model, mixed);
        List<ClassifyResult> fromCluster;
        ServingVersion version;
        try
        {
            (version, fromCluster) = await ClusterAnswersAsync();
        }
        finally
        {
            await cluster.Client.SetThresholdAsync(ClusterLoad.Model, FixtureThreshold);
        }

        var store = Directory.CreateTempSubdirectory("kcm-embedded-store-").FullName;
        await using var embedded = SiloHost.Create(
        [
            "--urls=http://127.0.0.1:0", "--Kcm:Orleans:SiloPort=0", "--Kcm:Orleans:GatewayPort=0", "--Kcm:StorePath=" + store,
            "--Kcm:Distillation:Enabled=false", "--Logging:LogLevel:Default=Warning", .. ProcessClusterFixture.SiloArguments,
        ]);
        try
        {
            await embedded.StartAsync();
            await embedded.WaitUntilReadyAsync(ProcessClusterFixture.ReadyTimeout);
            var served = await ServeOnEmbeddedAsync(embedded, version);
            await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { Gateways = [new IPEndPoint(IPAddress.Loopback, embedded.Endpoints.GatewayPort)] });
            var fromEmbedded = new List<ClassifyResult>();
            for (var b = 0; b < Batches; b++)
            {
                fromEmbedded.Add(await client.ClassifyAsync(ClusterLoad.Model, Batch(b), Rows, returnProbabilities: true));
            }

            output.WriteLine($"cluster version {version.Version} (small {version.Small.Version}, judge {version.Judge.Version}, threshold {version.Threshold}) "
                + $"published on the embedded silo as its version {served.Version}; {Batches} batches of {Rows}: "
                + $"{fromCluster.Sum(r => r.Routes.Count(x => x == SampleRoute.Large))} rows large on the cluster, {fromEmbedded.Sum(r => r.Routes.Count(x => x == SampleRoute.Large))} on the embedded silo");
            Assert.Contains(fromCluster, r => r.Routes.Contains(SampleRoute.Small));
            Assert.Contains(fromCluster, r => r.Routes.Contains(SampleRoute.Large));
            for (var b = 0; b < Batches; b++)
            {
                Assert.Equal(fromCluster[b].Labels, fromEmbedded[b].Labels);
                Assert.Equal(fromCluster[b].Routes, fromEmbedded[b].Routes);
                Assert.Equal(fromCluster[b].Confidences, fromEmbedded[b].Confidences);
                Assert.Equal(fromCluster[b].Threshold, fromEmbedded[b].Threshold);
                Assert.Equal(fromCluster[b].HintApplied, fromEmbedded[b].HintApplied);
                for (var i = 0; i < fromCluster[b].Probabilities.Length; i++)
                {
                    Assert.Equal(fromCluster[b].Probabilities[i], fromEmbedded[b].Probabilities[i], 1e-6f);
                }
            }
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private float[] Batch(int b) => cluster.Images[(b * Rows * Kcm.Core.Data.FashionMnist.PixelCount)..((b + 1) * Rows * Kcm.Core.Data.FashionMnist.PixelCount)];

    /// <summary>
    /// The cluster's answers to every batch, all from one serving version: every silo serves it before the first call,
    /// and the registry still names it after the last (else the batches are asked again).
    /// </summary>
    private async Task<(ServingVersion Version, List<ClassifyResult> Answers)> ClusterAnswersAsync()
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var version = (await cluster.Client.GetServingVersionAsync(ClusterLoad.Model))!;
            var served = await SiloVersions.TimeToServeAsync(cluster.Silos, version.Version, TimeSpan.FromSeconds(10));
            Assert.All(served, s => Assert.NotNull(s.Value));
            var answers = new List<ClassifyResult>();
            for (var b = 0; b < Batches; b++)
            {
                answers.Add(await cluster.Client.ClassifyAsync(ClusterLoad.Model, Batch(b), Rows, returnProbabilities: true));
            }

            if ((await cluster.Client.GetServingVersionAsync(ClusterLoad.Model))!.Version == version.Version)
            {
                return (version, answers);
            }
        }

        throw new InvalidOperationException("The cluster published a new version during every one of 5 tries.");
    }

    /// <summary>Copies the cluster version's weights from the cluster's blobs into the embedded silo's store and publishes them there.</summary>
    private async Task<ServingVersion> ServeOnEmbeddedAsync(SiloHost embedded, ServingVersion version)
    {
        var blobs = new BlobModelStore(AzureStorageClients.Container(cluster.Azurite.ConnectionString, AzureStorageNames.Container(ClusterLoad.Model)), keepVersions: 20);
        var local = embedded.Services.GetRequiredService<IModelStore>();
        async Task<StoredWeights> CopyAsync(StoredWeights weights) =>
            (await local.SaveAsync(weights.Series, await blobs.LoadAsync(weights.Series, weights.Version, CancellationToken.None), weights.CheckAccuracy, CancellationToken.None))
            .ToStoredWeights();

        var published = await embedded.Grains.GetGrain<IModelRegistryGrain>(ClusterLoad.Model)
            .PublishAsync(new ServingProposal(await CopyAsync(version.Small), await CopyAsync(version.Judge), version.Threshold, "the cluster's version"));
        var readiness = embedded.Services.GetRequiredService<ServingReadiness>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (readiness.Version?.Version != published.Version)
        {
            Assert.True(DateTime.UtcNow < until, $"the embedded silo did not serve its version {published.Version} within 20 s");
            await Task.Delay(50);
        }

        return published;
    }
}
