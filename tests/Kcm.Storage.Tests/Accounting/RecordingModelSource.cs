using Kcm.Core.Data;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Models;
using Kcm.Models.Distillation;
using Kcm.Models.Large;
using Kcm.Models.Sources;
using Kcm.Models.Storage;

namespace Kcm.Storage.Tests.Accounting;

/// <summary>
/// A model source for distiller-only silos whose rounds train nothing: the first judge and small model are untrained
/// (made in an instant), and the small model's trainer logs the records it gets (<see cref="RecordingDistiller"/>).
/// </summary>
public sealed class RecordingModelSource(IModelStore store, SafetensorsClassifierCodec codec, TrainingLog log) : IServingModelSource
{
    public async Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken)
    {
        var (judge, judgeClassifier) = await NewestOrStoreAsync(ModelSeries.Judge(modelName), KanClassifier.CreateRandom(KanNetwork.DefaultJudge, 1), cancellationToken);
        var (small, smallClassifier) = await NewestOrStoreAsync(ModelSeries.Small(modelName), MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, 1), cancellationToken);
        return new InitialModels(judge, small, judgeClassifier, smallClassifier);
    }

    public ILargeModel OpenLargeModel() => throw new NotSupportedException("The accounting test's silos have no large model.");

    public DistillationTrainer CreateSmallModelTrainer() =>
        new(new RecordingDistiller(log), () => new Dataset(new float[TeacherRecords.Features], [0], TeacherRecords.Features, TeacherRecords.Classes), new TeacherReplay(() => [], 0));

    public DistillationTrainer CreateJudgeTrainer() => throw new NotSupportedException("The accounting test does not distil the judge.");

    /// <summary>The fixed threshold over one blank row and a large model that answers class 0: these silos have no large model.</summary>
    public ThresholdCalibrator Calibrator { get; } = new(
        () => new Dataset(new float[TeacherRecords.Features], [0], TeacherRecords.Features, TeacherRecords.Classes),
        new ThresholdCalibrationOptions { Rule = Kcm.Core.Routing.CalibrationRule.FixedEpsilon },
        () => new ClassZeroLargeModel());

    /// <summary>Answers class 0 for every row.</summary>
    private sealed class ClassZeroLargeModel : ILargeModel
    {
        public string Name => "class-zero";

        public int InputSize => TeacherRecords.Features;

        public int ClassCount => TeacherRecords.Classes;

        public string? HintInputName => null;

        public bool UsesHint => false;

        public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
        {
            logits[..(batchSize * ClassCount)].Clear();
            for (var row = 0; row < batchSize; row++)
            {
                logits[row * ClassCount] = 1f;
            }
        }

        public void Dispose()
        {
        }
    }

    private async Task<(StoredModel Stored, IClassifier Classifier)> NewestOrStoreAsync(string series, IClassifier initial, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(series, cancellationToken);
        return stored.Count > 0
            ? (stored[^1], codec.Decode(await store.LoadAsync(series, stored[^1].Version, cancellationToken)))
            : (await store.SaveAsync(series, codec.Encode(initial), double.NaN, cancellationToken), initial);
    }
}
