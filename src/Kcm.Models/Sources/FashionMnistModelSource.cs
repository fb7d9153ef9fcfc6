using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Training;
using Kcm.Models.Distillation;
using Kcm.Models.Large;
using Kcm.Models.Storage;
using Microsoft.Extensions.Logging;

namespace Kcm.Models.Sources;

/// <summary>
/// The embedded default: the shipped ONNX large model, and a KAN judge and MLP small model trained at first start on
/// the first <see cref="FashionMnistModelOptions.SeedSamples"/> Fashion-MNIST training images and kept in the model
/// store, so later starts (and other silos) load them. The distillation check set is the end of the training set,
/// outside the seed split, so the test set stays untouched for scoring.
/// </summary>
public sealed class FashionMnistModelSource : IServingModelSource
{
    private readonly FashionMnistModelOptions _options;
    private readonly IModelStore _store;
    private readonly SafetensorsClassifierCodec _codec;
    private readonly float _distillationConfidence;
    private readonly ILogger _logger;
    private readonly Lazy<Dataset> _train;
    private readonly Lazy<TeacherReplay> _replay;

    /// <param name="options">Where the large model is and how the first models are trained; validated here.</param>
    /// <param name="store">Where the first models are cached.</param>
    /// <param name="codec">How they are stored.</param>
    /// <param name="distillationConfidence">The confidence above which a teacher's (or judge's) answer teaches (the serving threshold).</param>
    /// <param name="logger">Reports training and refused cached versions.</param>
    public FashionMnistModelSource(
        FashionMnistModelOptions options, IModelStore store, SafetensorsClassifierCodec codec, float distillationConfidence, ILogger<FashionMnistModelSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _store = store;
        _codec = codec;
        _distillationConfidence = distillationConfidence;
        _logger = logger;
        _train = new Lazy<Dataset>(LoadTrain);
        _replay = new Lazy<TeacherReplay>(() => new TeacherReplay(() => LabelledAnchors(Seed), options.ReplayRecords));
    }

    private Dataset Seed => _train.Value.Slice(0, _options.SeedSamples);

    private Dataset CheckSet => _train.Value.Slice(_train.Value.Count - _options.CheckSamples, _options.CheckSamples);

    private TrainingOptions Training => new() { Epochs = _options.Epochs, Seed = _options.Seed, Threads = _options.TrainingThreads };

    public async Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        var judge = await NewestOrTrainAsync(
            ModelSeries.Judge(modelName), "judge", () => KanClassifier.CreateRandom(KanNetwork.DefaultJudge, _options.Seed), cancellationToken).ConfigureAwait(false);
        var small = await NewestOrTrainAsync(
            ModelSeries.Small(modelName), "small model", () => MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, _options.Seed), cancellationToken).ConfigureAwait(false);
        return new InitialModels(judge, small);
    }

    public ILargeModel OpenLargeModel() =>
        new OnnxLargeModel(KcmPaths.Resolve(_options.LargeModelPath), _options.SessionOptions(), _options.HintInputName, _options.UseHint);

    public DistillationTrainer CreateSmallModelTrainer() =>
        new(new SmallModelDistiller(DistillationOptions()), () => CheckSet, _replay.Value);

    // The judge's confidence is its max softmax at T = 1, so it learns the teacher at T = 1 (see docs/kcm.md).
    public DistillationTrainer CreateJudgeTrainer() =>
        new(new JudgeDistiller(DistillationOptions() with { Temperature = 1f }), () => CheckSet, _replay.Value);

    private DistillationOptions DistillationOptions() => new()
    {
        ConfidenceThreshold = _distillationConfidence, Seed = _options.Seed, Threads = _options.TrainingThreads, Tolerance = _options.GuardTolerance,
    };

    private Dataset LoadTrain()
    {
        if (!FashionMnist.IsInstalled(_options.DataFolder))
        {
            throw new FileNotFoundException($"Fashion-MNIST is not installed under {_options.DataFolder}: run ./kcm setup.");
        }

        return FashionMnist.LoadTrain(_options.DataFolder);
    }

    private async Task<StoredModel> NewestOrTrainAsync<TClassifier>(
        string series, string what, Func<TClassifier> start, CancellationToken cancellationToken)
        where TClassifier : ITrainableClassifier
    {
        var versions = await _store.ListAsync(series, cancellationToken).ConfigureAwait(false);
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            try
            {
                _codec.Decode(await _store.LoadAsync(series, versions[i].Version, cancellationToken).ConfigureAwait(false));
                _logger.LogInformation("Using the cached {Series} version {Version}.", series, versions[i].Version);
                return versions[i];
            }
            catch (Exception e) when (e is ModelStoreException or InvalidDataException)
            {
                _logger.LogError("Refused cached {Series} version {Version}: {Reason}", series, versions[i].Version, e.Message);
            }
        }

        // Training is CPU-bound for seconds to minutes: off the caller's thread (a silo's start-up).
        var trained = await Task.Run(() => Train(start(), what, cancellationToken), cancellationToken).ConfigureAwait(false);
        var accuracy = trained.Accuracy(CheckSet, _options.TrainingThreads);
        return await _store.SaveAsync(series, _codec.Encode(trained), accuracy, cancellationToken).ConfigureAwait(false);
    }

    private TClassifier Train<TClassifier>(TClassifier start, string what, CancellationToken cancellationToken)
        where TClassifier : ITrainableClassifier
    {
        var stopwatch = Stopwatch.StartNew();
        var seed = Seed;
        var result = new ClassifierTrainer(Training).Train(start, seed, cancellationToken: cancellationToken);
        _logger.LogInformation(
            "Trained the {What} ({Architecture}) on {Samples} images in {Seconds:F1} s: validation accuracy {Accuracy:P2}.",
            what, start.Architecture, seed.Count, stopwatch.Elapsed.TotalSeconds, result.BestValidationAccuracy ?? double.NaN);
        return result.Classifier;
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
}
