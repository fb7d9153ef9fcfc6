using System.IO.Compression;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Core.Data;
using Kcm.Grains.Serving;
using Kcm.Grains.Tests.Support;
using Kcm.Models;
using Kcm.Models.Storage;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Kcm.Grains.Tests.Data;

/// <summary>
/// A user's data set and ONNX model from files to a serving cluster with the default options: 600 rows of sklearn's
/// digits (64 pixel counts 0..16, Debian's python3-sklearn) and the shipped digits MLP. The silo trains the judge and
/// small model on the file's seed rows (sizes from the data, inputs scaled inside the models), calibrates the
/// threshold on its held-out rows, serves, distils the large model's answers and swaps the new version on both silos.
/// </summary>
public sealed class UserDataSetTests(ITestOutputHelper output) : IDisposable
{
    private const string Digits = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
    private const string Model = "digits";

    private readonly string _folder = Directory.CreateTempSubdirectory("kcm-user-data-").FullName;

    [Fact]
    public async Task SixHundredRows_AndTheirOwnOnnxModel_TrainCalibrateServeDistilAndSwap_WithDefaultOptions()
    {
        var csv = Path.Combine(_folder, "digits-600.csv");
        var rows = await WriteFirstRowsAsync(csv, 600);
        await using var serving = await ServingCluster.StartAsync(new SharedGrainRecords(), new Dictionary<string, string?>
        {
            ["Kcm:ModelName"] = Model,
            ["Kcm:StorePath"] = Path.Combine(_folder, "store"),
            ["Kcm:Embedded:TrainPath"] = csv,
            ["Kcm:Embedded:LabelColumn"] = "-1",
            ["Kcm:Embedded:LargeModelPath"] = RepositoryRoot.Combine("models", "digits-mlp.onnx"),
            // Everything else at its default: the test cluster's quick Fashion-MNIST settings removed.
            ["Kcm:Calibration:Rule"] = null,
            ["Kcm:Calibration:Epsilon"] = null,
            ["Kcm:Embedded:HintInputName"] = null,
            ["Kcm:Embedded:SeedSamples"] = null,
            ["Kcm:Embedded:CheckSamples"] = null,
            ["Kcm:Embedded:Epochs"] = null,
            ["Kcm:Embedded:ReplayRecords"] = null,
        });
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(Model);
        var first = (await registry.GetCurrentAsync())!;
        var store = serving.Services(0).GetRequiredService<IModelStore>();
        var codec = serving.Services(0).GetRequiredService<SafetensorsClassifierCodec>();
        var small = codec.Decode(await store.LoadAsync(first.Small.Series, first.Small.Version, CancellationToken.None));
        var judge = codec.Decode(await store.LoadAsync(first.Judge.Series, first.Judge.Version, CancellationToken.None));
        output.WriteLine($"first version: threshold {first.Threshold:F4}, calibrated large share {first.CalibratedLargeShare:P1}, small {((Kcm.Core.Models.IExportableClassifier)small).Architecture}");

        // Sizes from the data (64 features, 10 classes), the pixel counts scaled inside both models, a calibrated threshold.
        Assert.Equal((64, 10), (small.InputSize, small.ClassCount));
        Assert.StartsWith("scaled+mlp:64-", ((Kcm.Core.Models.IExportableClassifier)small).Architecture, StringComparison.Ordinal);
        Assert.StartsWith("scaled+kan:", ((Kcm.Core.Models.IExportableClassifier)judge).Architecture, StringComparison.Ordinal);
        Assert.NotNull(first.CalibratedLargeShare);
        Assert.InRange(first.Threshold, 1e-6, 1 - 1e-6);

        // Serve every row as a client sends it (raw counts 0..16): the small model's answers are mostly right.
        var judgeGrain = serving.Client.GetGrain<IJudgeGrain>(Model);
        var served = await ClassifyAllAsync(judgeGrain, rows);
        var smallRows = Enumerable.Range(0, rows.Count).Where(i => served.Routes[i] == SampleRoute.Small).ToList();
        var accuracy = Enumerable.Range(0, rows.Count).Count(i => served.Labels[i] == rows.Labels[i]) / (double)rows.Count;
        output.WriteLine($"served {rows.Count} rows: {rows.Count - smallRows.Count} large, accuracy {accuracy:P1}");
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:P1}");
        Assert.NotEmpty(smallRows);
        Assert.True(smallRows.Count(i => served.Labels[i] == rows.Labels[i]) > 0.9 * smallRows.Count, "the small route's answers are mostly right");

        // Distil the large model's answers (the served rows' teacher records) and swap the new version on both silos.
        var round = await serving.Client.GetGrain<IDistillationGrain>(Model).RunRoundAsync();
        output.WriteLine($"round: {round.Outcome} on {round.SampleCount} records, check accuracy {round.IncumbentCheckAccuracy:P1} -> {round.CandidateCheckAccuracy:P1}: {round.Detail}");
        Assert.Equal(DistillationOutcome.Accepted, round.Outcome);
        var published = (await registry.GetCurrentAsync())!;
        Assert.Equal(first.Version + 1, published.Version);
        Assert.NotNull(published.CalibratedLargeShare);
        await serving.WaitUntilAsync(
            s => s.GetRequiredService<ServingSnapshotHolder>().Current?.Version == published, TimeSpan.FromSeconds(2), "both silos serving the distilled version");
        var after = await judgeGrain.ClassifyAsync(new ClassifyBatch(rows.Slice(0, 100).Features, 100));
        Assert.Equal(ClassifyStatus.Completed, after.Status);
        Assert.Equal(published.Small.Version, after.SmallModelVersion);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Every row, in batches of 200 (a batch holds at most Kcm:MaxBatchSize rows): labels and routes.</summary>
    private static async Task<(int[] Labels, SampleRoute[] Routes)> ClassifyAllAsync(IJudgeGrain judge, Dataset rows)
    {
        var labels = new List<int>();
        var routes = new List<SampleRoute>();
        for (var start = 0; start < rows.Count; start += 200)
        {
            var count = Math.Min(200, rows.Count - start);
            var result = await judge.ClassifyAsync(new ClassifyBatch(rows.Slice(start, count).Features, count));
            Assert.True(result.Status == ClassifyStatus.Completed, result.Detail);
            labels.AddRange(result.Labels);
            routes.AddRange(result.Routes);
        }

        return ([.. labels], [.. routes]);
    }

    /// <summary>The first <paramref name="count"/> rows of sklearn's digits as a CSV (label last), and the same rows loaded.</summary>
    private static async Task<Dataset> WriteFirstRowsAsync(string path, int count)
    {
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(Digits), CompressionMode.Decompress)))
        {
            var lines = new List<string>();
            while (lines.Count < count && await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }

            await File.WriteAllLinesAsync(path, lines);
        }

        return DatasetFiles.Load(path, 10, "-1");
    }
}
