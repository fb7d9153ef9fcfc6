using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Training;
using Kcm.Grains.Judge;
using Kcm.Grains.Large;
using Kcm.Grains.Storage;
using Kcm.Onnx;
using Kcm.Silo.Hosting;

namespace Kcm.Silo.Embedded;

/// <summary>
/// The embedded default: the shipped ONNX large model, and a KAN judge and MLP small model trained at first start on
/// the first <see cref="EmbeddedModelOptions.SeedSamples"/> Fashion-MNIST training images. The judge is cached in
/// the model store (series "{model}.judge") so later starts load it; the small model's versions live there anyway.
/// </summary>
public sealed class FashionMnistModelSource(EmbeddedModelOptions options, ILogger<FashionMnistModelSource> logger) : IServingModelSource
{
    public async Task<ServingModels> LoadAsync(KcmSiloOptions silo, IModelStore store, CancellationToken cancellationToken)
    {
        options.Validate();
        if (!FashionMnist.IsInstalled())
        {
            throw new FileNotFoundException($"Fashion-MNIST is not installed under {FashionMnist.DefaultFolder}: run ./kcm setup.");
        }

        // The large model's sessions first: a CUDA request that cannot be met stops the start before any training.
        var large = new List<ILargeModel>();
        try
        {
            var sessionOptions = options.SessionOptions();
            for (var i = 0; i < silo.LargePool.InstanceCount; i++)
            {
                large.Add(new OnnxLargeModel(SiloPaths.Resolve(options.LargeModelPath), options.HintInputName, sessionOptions));
            }
        }
        catch
        {
            large.ForEach(l => l.Dispose());
            throw;
        }

        try
        {
            var codec = new SafetensorsClassifierCodec();
            var training = new TrainingOptions { Epochs = options.Epochs, Seed = options.Seed, Threads = options.TrainingThreads };
            // The guard's check set is the end of the training set (labelled, outside the seed split), so the test set
            // stays untouched for scoring. Traffic replayed from the training set may include these images unlabelled.
            var train = FashionMnist.LoadTrain();
            var checkSet = train.Slice(train.Count - options.CheckSamples, options.CheckSamples);
            var seed = train.Slice(0, options.SeedSamples);

            var judgeSeries = JudgeGrain.SeriesFor(silo.ModelName);
            var (judge, judgeVersion) = await LoadNewestAsync(store, judgeSeries, codec, cancellationToken).ConfigureAwait(false);
            if (judge is null)
            {
                var trained = await Task.Run(() => Train(KanClassifier.CreateRandom(KanNetwork.DefaultJudge, options.Seed), seed, training, "judge", cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
                var stored = await store.SaveAsync(judgeSeries, codec.Encode(trained), trained.Accuracy(checkSet, options.TrainingThreads), cancellationToken).ConfigureAwait(false);
                (judge, judgeVersion) = (trained, stored.Version);
            }

            var distillation = new DistillationOptions
            {
                ConfidenceThreshold = (float)silo.DefaultThreshold, Seed = options.Seed, Threads = options.TrainingThreads, Tolerance = options.GuardTolerance,
            };
            var replay = new TeacherReplay(() => LabelledAnchors(seed), options.ReplayRecords);
            return new ServingModels(
                judge,
                ct =>
                {
                    var small = Train(MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, options.Seed), seed, training, "small model", ct);
                    return new InitialSmallModel(small, small.Accuracy(checkSet, options.TrainingThreads));
                },
                large,
                codec,
                new ClassifierDistillationTrainer(new SmallModelDistiller(distillation), checkSet, replay),
                // The judge's confidence is its max softmax at T = 1, so it learns the teacher at T = 1 (see docs/kcm.md).
                new ClassifierDistillationTrainer(new JudgeDistiller(distillation with { Temperature = 1f }), checkSet, replay),
                judgeVersion);
        }
        catch
        {
            large.ForEach(l => l.Dispose());
            throw;
        }
    }

    /// <summary>The seed rows as records whose uniform teacher never passes the confidence gate: only their label term counts.</summary>
    private static TeacherRecord[] LabelledAnchors(Dataset seed)
    {
        var uniform = Enumerable.Repeat(1f / seed.ClassCount, seed.ClassCount).ToArray();
        var anchors = new TeacherRecord[seed.Count];
        for (var i = 0; i < anchors.Length; i++)
        {
            anchors[i] = new TeacherRecord(seed.Row(i).ToArray(), uniform, null, seed.Labels[i]);
        }

        return anchors;
    }

    private TClassifier Train<TClassifier>(TClassifier start, Dataset data, TrainingOptions training, string what, CancellationToken cancellationToken)
        where TClassifier : ITrainableClassifier
    {
        var stopwatch = Stopwatch.StartNew();
        var result = new ClassifierTrainer(training).Train(start, data, cancellationToken: cancellationToken);
        logger.LogInformation(
            "Trained the {What} ({Architecture}) on {Samples} images in {Seconds:F1} s: validation accuracy {Accuracy:P2}.",
            what, start.Architecture, data.Count, stopwatch.Elapsed.TotalSeconds, result.BestValidationAccuracy ?? double.NaN);
        return result.Classifier;
    }

    private async Task<(IClassifier? Judge, int Version)> LoadNewestAsync(IModelStore store, string series, SafetensorsClassifierCodec codec, CancellationToken cancellationToken)
    {
        var versions = await store.ListAsync(series, cancellationToken).ConfigureAwait(false);
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            try
            {
                var bytes = await store.LoadAsync(series, versions[i].Version, cancellationToken).ConfigureAwait(false);
                var classifier = codec.Decode(bytes);
                logger.LogInformation("Loaded the cached {Series} version {Version}.", series, versions[i].Version);
                return (classifier, versions[i].Version);
            }
            catch (Exception e) when (e is ModelStoreException or InvalidDataException)
            {
                logger.LogError("Refused cached {Series} version {Version}: {Reason}", series, versions[i].Version, e.Message);
            }
        }

        return (null, 0);
    }
}
