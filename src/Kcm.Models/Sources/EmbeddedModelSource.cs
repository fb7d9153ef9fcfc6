using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Scaled;
using Kcm.Core.Training;
using Kcm.Models.Distillation;
using Kcm.Models.Large;
using Kcm.Models.Storage;
using Kcm.Onnx;
using Microsoft.Extensions.Logging;

namespace Kcm.Models.Sources;

/// <summary>
/// The embedded pipeline: a large ONNX model, and a KAN judge and MLP small model trained at first start on the seed
/// rows of the configured data set (<see cref="ServingData"/>: Fashion-MNIST by default, or a user's CSV, R or IDX
/// file, with sizes chosen from the data and a min-max input scaling stored with the models when the features are not
/// in 0..1) and kept in the model store, so later starts (and other silos) load them. The distillation check set is the
/// end of the training rows, outside the seed split; the serving threshold is calibrated on the calibration rows.
/// </summary>
public sealed class EmbeddedModelSource : IServingModelSource
{
    private readonly EmbeddedModelOptions _options;
    private readonly IModelStore _store;
    private readonly SafetensorsClassifierCodec _codec;
    private readonly ILogger _logger;
    private readonly Lazy<ServingData> _data;
    private readonly Lazy<TeacherReplay> _replay;

    /// <param name="options">Where the large model is and how the first models are trained; validated here.</param>
    /// <param name="store">Where the first models are cached.</param>
    /// <param name="codec">How they are stored.</param>
    /// <param name="calibration">How the serving threshold is chosen on the calibration rows; validated here.</param>
    /// <param name="logger">Reports training and refused cached versions.</param>
    public EmbeddedModelSource(
        EmbeddedModelOptions options, IModelStore store, SafetensorsClassifierCodec codec, ThresholdCalibrationOptions calibration, ILogger<EmbeddedModelSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calibration);
        options.Validate();
        calibration.Validate();
        _options = options;
        _store = store;
        _codec = codec;
        _logger = logger;
        _data = new Lazy<ServingData>(LoadData);
        _replay = new Lazy<TeacherReplay>(() => new TeacherReplay(() => LabelledAnchors(Seed), options.ReplayRecords));
        Calibrator = new ThresholdCalibrator(() => _data.Value.Calibration, calibration, OpenCpuLargeModel);
    }

    public ThresholdCalibrator Calibrator { get; }

    private Dataset Seed => _data.Value.Seed;

    private Dataset CheckSet => _data.Value.CheckSet;

    public async Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        var judge = await NewestOrTrainAsync(
            ModelSeries.Judge(modelName), "judge", () => Scaled(KanClassifier.CreateRandom(new KanNetwork(_data.Value.Plan.Judge), _options.Seed)), cancellationToken).ConfigureAwait(false);
        var small = await NewestOrTrainAsync(
            ModelSeries.Small(modelName), "small model", () => Scaled(MlpClassifier.CreateRandom(_data.Value.Plan.SmallModel, _options.Seed)), cancellationToken).ConfigureAwait(false);
        return new InitialModels(judge.Stored, small.Stored, judge.Classifier, small.Classifier);
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
        ConfidenceThreshold = (float)_options.TeacherConfidence, Seed = _options.Seed, Threads = _options.TrainingThreads, Tolerance = _options.GuardTolerance,
    };

    // On the CPU provider wherever the large model serves: calibration runs on distiller silos, which have no GPU.
    private OnnxLargeModel OpenCpuLargeModel() =>
        new(KcmPaths.Resolve(_options.LargeModelPath), _options.SessionOptions() with { ExecutionProvider = OnnxExecutionProvider.Cpu }, _options.HintInputName, _options.UseHint);

    private ServingData LoadData()
    {
        int features, classes;
        using (var large = OpenCpuLargeModel())
        {
            (features, classes) = (large.InputSize, large.ClassCount);
        }

        var data = ServingData.Load(_options, features, classes);
        _logger.LogInformation(
            "Serving data {Data}: {Seed} seed, {Check} check and {Calibration} calibration rows of {Features} features, {Classes} classes; inputs {Scaling}; small model {Small}, judge {Judge}.",
            data.Description, data.Seed.Count, data.CheckSet.Count, data.Calibration.Count, features, classes,
            data.Scaling.IsIdentity ? "already in 0..1" : "min-max scaled inside the models", data.Plan.SmallModel.Architecture, data.Plan.Judge);
        if (_options.TrainPath is not null && _options.CalibrationPath is null)
        {
            _logger.LogWarning(
                "The threshold is calibrated on the last {Rows} rows of {Data}, held out from training; if the large model trained on them, the promised large share and accuracy are optimistic (set Kcm:Embedded:CalibrationPath to rows it never saw).",
                data.Calibration.Count, data.Description);
        }

        return data;
    }

    /// <summary><paramref name="model"/> behind the seed rows' input scaling, unless the features are in 0..1 already (Fashion-MNIST's pixels).</summary>
    private ITrainableClassifier Scaled(ITrainableClassifier model) =>
        _data.Value.Scaling.IsIdentity ? model : ScaledInputClassifier.Wrap(model, _data.Value.Scaling);

    private async Task<(StoredModel Stored, IClassifier Classifier)> NewestOrTrainAsync<TClassifier>(
        string series, string what, Func<TClassifier> start, CancellationToken cancellationToken)
        where TClassifier : ITrainableClassifier
    {
        var versions = await _store.ListAsync(series, cancellationToken).ConfigureAwait(false);
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            try
            {
                var cached = _codec.Decode(await _store.LoadAsync(series, versions[i].Version, cancellationToken).ConfigureAwait(false));
                _logger.LogInformation("Using the cached {Series} version {Version}.", series, versions[i].Version);
                return (versions[i], cached);
            }
            catch (Exception e) when (e is ModelStoreException or InvalidDataException)
            {
                _logger.LogError("Refused cached {Series} version {Version}: {Reason}", series, versions[i].Version, e.Message);
            }
        }

        // Training is CPU-bound for seconds to minutes: off the caller's thread (a silo's start-up).
        var trained = await Task.Run(() => Train(start(), what, cancellationToken), cancellationToken).ConfigureAwait(false);
        var accuracy = trained.Accuracy(CheckSet, _options.TrainingThreads);
        return (await _store.SaveAsync(series, _codec.Encode(trained), accuracy, cancellationToken).ConfigureAwait(false), trained);
    }

    private TClassifier Train<TClassifier>(TClassifier start, string what, CancellationToken cancellationToken)
        where TClassifier : ITrainableClassifier
    {
        var stopwatch = Stopwatch.StartNew();
        var seed = Seed;
        var result = new ClassifierTrainer(_data.Value.Training).Train(start, seed, cancellationToken: cancellationToken);
        _logger.LogInformation(
            "Trained the {What} ({Architecture}) on {Samples} rows in {Seconds:F1} s: validation accuracy {Accuracy:P2}.",
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
