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
    public async Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken) => new(
        await NewestOrStoreAsync(ModelSeries.Judge(modelName), KanClassifier.CreateRandom(KanNetwork.DefaultJudge, 1), cancellationToken),
        await NewestOrStoreAsync(ModelSeries.Small(modelName), MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, 1), cancellationToken));

    public ILargeModel OpenLargeModel() => throw new NotSupportedException("The accounting test's silos have no large model.");

    public DistillationTrainer CreateSmallModelTrainer() =>
        new(new RecordingDistiller(log), () => new Dataset(new float[TeacherRecords.Features], [0], TeacherRecords.Features, TeacherRecords.Classes), new TeacherReplay(() => [], 0));

    public DistillationTrainer CreateJudgeTrainer() => throw new NotSupportedException("The accounting test does not distil the judge.");

    private async Task<StoredModel> NewestOrStoreAsync(string series, IClassifier initial, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(series, cancellationToken);
        return stored.Count > 0 ? stored[^1] : await store.SaveAsync(series, codec.Encode(initial), double.NaN, cancellationToken);
    }
}
