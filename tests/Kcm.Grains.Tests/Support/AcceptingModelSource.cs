using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Training;
using Kcm.Models;
using Kcm.Models.Distillation;
using Kcm.Models.Large;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Grains.Tests.Support;

/// <summary>The test models' source, except that every distillation candidate (the serving weights, unchanged) is accepted.</summary>
public sealed class AcceptingModelSource(
    EmbeddedModelOptions options, ThresholdCalibrationOptions calibration, IModelStore store, SafetensorsClassifierCodec codec) : IServingModelSource
{
    private readonly EmbeddedModelSource _inner = new(options, store, codec, calibration, NullLogger<EmbeddedModelSource>.Instance);

    public ThresholdCalibrator Calibrator => _inner.Calibrator;

    public Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken) => _inner.CreateInitialModelsAsync(modelName, cancellationToken);

    public ILargeModel OpenLargeModel() => _inner.OpenLargeModel();

    public DistillationTrainer CreateSmallModelTrainer() => Accepting();

    public DistillationTrainer CreateJudgeTrainer() => Accepting();

    private static DistillationTrainer Accepting() =>
        new(new AcceptingDistiller(), () => new Dataset(new float[784], [0], 784, 10), new TeacherReplay(() => [], 0));

    /// <summary>Accepts the current model as its own candidate.</summary>
    private sealed class AcceptingDistiller : IClassifierDistiller
    {
        public DistillationResult Distill(ITrainableClassifier current, IReadOnlyList<TeacherRecord> records, Dataset checkSet, CancellationToken cancellationToken = default) =>
            new(current, true, "Accepted: test distiller.", 0.5, 0.5, records.Count, records.Count, 0, 0, TimeSpan.Zero);
    }
}
