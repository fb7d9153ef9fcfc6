using System.Collections.Concurrent;
using Kcm.Abstractions.Registry;
using Kcm.Client;
using Kcm.Core.Data;
using Kcm.Grains.Registry;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Kcm.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Silo.Tests;

/// <summary>
/// Issue 14's acceptance: a load run through the Orleans client during publishes fails no call, and every answer is
/// made by one published serving version (its small model version and threshold together, never a mix of two), on
/// the C# and on the ONNX path.
/// </summary>
public sealed class PublishUnderLoadTests
{
    private const int Clients = 4;
    private const int Rows = 8;

    /// <param name="path">The judge's and small model's path: csharp, or onnx (each swap binds new weights on the same
    /// sessions while batches hold the version they started with).</param>
    [Theory]
    [InlineData("csharp")]
    [InlineData("onnx")]
    public async Task OrleansClientLoad_DuringPublishesRollbacksAndThresholds_FailsNoCall_AndEveryAnswerNamesOnePublishedVersion(string path)
    {
        var test = FashionMnist.LoadTest().Slice(0, 256);
        var batches = Enumerable.Range(0, test.Count / Rows)
            .Select(b => test.Features.AsSpan(b * Rows * test.FeatureCount, Rows * test.FeatureCount).ToArray()).ToArray();
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:Inference:Judge"] = path, ["Kcm:Inference:SmallModel"] = path });
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = silo.Host.Endpoints.GatewayPort, AdminToken = TestSilo.AdminToken });
        var registry = silo.Host.Grains.GetGrain<IModelRegistryGrain>(TestSilo.Model);
        var first = await client.GetServingVersionAsync(TestSilo.Model) ?? throw new InvalidOperationException("no serving version");

        // The path asked for is the one serving (a GraphClassifier runs the ONNX graph).
        var serving = silo.Host.Services.GetRequiredService<Kcm.Grains.Serving.ServingSnapshotHolder>().Current!;
        Assert.Equal(path == "onnx", serving.Judge is Kcm.Models.Graphs.GraphClassifier);
        Assert.Equal(path == "onnx", serving.Small is Kcm.Models.Graphs.GraphClassifier);

        // Other small model versions to publish: copies of the first one's weights under new version numbers, so each
        // published version names a small model of its own.
        var store = silo.Host.Services.GetRequiredService<IModelStore>();
        var weights = await store.LoadAsync(first.Small.Series, first.Small.Version, CancellationToken.None);
        var smalls = new List<StoredWeights>();
        for (var i = 0; i < 3; i++)
        {
            smalls.Add((await store.SaveAsync(ModelSeries.Small(TestSilo.Model), weights, first.Small.CheckAccuracy, CancellationToken.None)).ToStoredWeights());
        }

        var answers = new ConcurrentBag<(int Small, double Threshold)>();
        var failures = new ConcurrentQueue<Exception>();
        var calls = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (var n = c; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    var result = await client.ClassifyAsync(TestSilo.Model, batches[n % batches.Length], Rows);
                    Assert.Equal(Rows, result.Labels.Length);
                    answers.Add((result.SmallModelVersion, result.Threshold));
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }

                Interlocked.Increment(ref calls);
            }
        })).ToArray();

        // Publishes of every kind while the load runs: new small versions, thresholds, rollbacks (to the previous and to
        // a named version), through the registry and through the SDK's admin calls.
        var published = new List<ServingVersion> { first };
        await Task.Delay(300);
        published.Add(await registry.PublishAsync(new ServingProposal(smalls[0], first.Judge, 0.9, "test: new small")));
        await Task.Delay(300);
        published.Add(await client.SetThresholdAsync(TestSilo.Model, 0.95));
        await Task.Delay(300);
        published.Add(await registry.PublishAsync(new ServingProposal(smalls[1], first.Judge, 0.85, "test: new small")));
        await Task.Delay(300);
        published.Add(await client.RollbackAsync(TestSilo.Model));
        await Task.Delay(300);
        published.Add(await registry.PublishAsync(new ServingProposal(smalls[2], first.Judge, 0.97, "test: new small")));
        await Task.Delay(300);
        published.Add(await client.RollbackAsync(TestSilo.Model, published[1].Version));
        var last = published[^1];
        // The load keeps running until the silo serves the last publish.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!answers.Contains((last.Small.Version, last.Threshold)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(calls >= 50, $"only {calls} calls ran during the publishes");
        var versions = published.Select(v => (v.Small.Version, v.Threshold)).ToHashSet();
        var strangers = answers.Where(a => !versions.Contains(a)).Distinct().ToArray();
        Assert.True(strangers.Length == 0, $"answers naming no published version: {string.Join(", ", strangers)}");
        var seen = answers.Distinct().Count();
        Assert.True(seen >= 4, $"the load saw only {seen} of the {versions.Count} published versions");
        Assert.Contains((last.Small.Version, last.Threshold), answers);
    }
}
