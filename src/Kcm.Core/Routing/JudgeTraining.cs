using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Core.Routing;

/// <summary>
/// Trains every router of <see cref="RouterKind"/> for one small model on the labelled seed (early stopping on the
/// validation split). Judges that learn where the small model fails are trained on its OUT-OF-FOLD outputs: the seed
/// is cut into <see cref="Folds"/> folds and each fold is scored by a small model (same recipe) trained on the others,
/// since on its own training rows the small model is right far more often than on new data.
/// </summary>
public sealed class JudgeTraining
{
    /// <summary>Folds of the out-of-fold small-model outputs.</summary>
    public const int Folds = 5;

    private const float LargeJudgeLearningRate = 0.001f;
    private const int LargeJudgeEpochs = 6;

    private readonly TrainingPlan _plan;
    private readonly IProgress<string>? _progress;

    public JudgeTraining(TrainingPlan plan, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        _progress = progress;
    }

    /// <summary>Trains all routers for <paramref name="small"/> (trained on <paramref name="seedTrain"/>).</summary>
    public TrainedRouters Train(MlpClassifier small, Dataset seedTrain, Dataset validation, LargeModelOutputs large, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(seedTrain);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(large);
        if (large.SeedTrainCorrect.Length != seedTrain.Count || large.ValidationCorrect.Length != validation.Count)
        {
            throw new ArgumentException("The large model's correctness needs one entry per seed-training and validation row.", nameof(large));
        }

        var training = _plan.Training;
        var seed = training.Seed;
        var trainer = new ClassifierTrainer(training);
        var features = seedTrain.FeatureCount;
        var classes = small.ClassCount;

        Report("training the KAN judge");
        var kanNetwork = new KanNetwork(_plan.Judge with { ClassCount = classes });
        var kan = trainer.Train(KanClassifier.CreateRandom(kanNetwork, seed), seedTrain, validation, cancellationToken).Classifier;
        var mlpHidden = MlpNetwork.HiddenWidthForParameterCount(features, classes, kanNetwork.ParameterCount);
        Report($"training the MLP judge ({mlpHidden} hidden, about the KAN judge's {kanNetwork.ParameterCount} parameters)");
        var mlp = trainer.Train(MlpClassifier.CreateRandom(new MlpNetwork(features, mlpHidden, classes), seed), seedTrain, validation, cancellationToken).Classifier;
        var kanTemperature = FitTemperature(kan, validation);
        var smallTemperature = FitTemperature(small, validation);

        Report($"out-of-fold small-model outputs ({Folds} folds)");
        var outOfFold = OutOfFoldProbabilities(seedTrain, validation, cancellationToken);
        var oofCorrect = new bool[seedTrain.Count];
        for (var r = 0; r < seedTrain.Count; r++)
        {
            oofCorrect[r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(outOfFold.AsSpan(r * classes, classes)) == seedTrain.Labels[r];
        }

        var validationProbabilities = new float[validation.Count * classes];
        small.Probabilities(validation.Features, validation.Count, validationProbabilities);
        var validationSmallCorrect = new bool[validation.Count];
        for (var r = 0; r < validation.Count; r++)
        {
            validationSmallCorrect[r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(validationProbabilities.AsSpan(r * classes, classes)) == validation.Labels[r];
        }

        var augmentedTrain = SmallProbabilityJudge.Augment(seedTrain, outOfFold, classes);
        var augmentedValidation = SmallProbabilityJudge.Augment(validation, validationProbabilities, classes);
        var logitArchitecture = _plan.Judge with { InputSize = features + classes, ExtraInputs = classes, ClassCount = 2 };
        if (logitArchitecture.PoolSize == 1)
        {
            logitArchitecture = logitArchitecture with { ImageWidth = features + classes };
        }

        Report("training the KAN logit judge (P(small right) from features and small probabilities)");
        var rightTrain = Relabel(augmentedTrain, oofCorrect);
        var rightValidation = Relabel(augmentedValidation, validationSmallCorrect);
        var logitNetwork = new KanNetwork(logitArchitecture);
        var logitJudge = trainer.Train(KanClassifier.CreateRandom(logitNetwork, seed + 2), rightTrain, rightValidation, cancellationToken).Classifier;
        var logitMlpHidden = MlpNetwork.HiddenWidthForParameterCount(features + classes, 2, logitNetwork.ParameterCount);
        Report($"training the MLP logit judge ({logitMlpHidden} hidden)");
        var mlpLogitJudge = trainer.Train(
            MlpClassifier.CreateRandom(new MlpNetwork(features + classes, logitMlpHidden, 2), seed + 2), rightTrain, rightValidation, cancellationToken).Classifier;

        Report("training the KAN gain judge (P(large does not beat small))");
        var gainTrain = Relabel(augmentedTrain, NotBeaten(large.SeedTrainCorrect, oofCorrect));
        var gainValidation = Relabel(augmentedValidation, NotBeaten(large.ValidationCorrect, validationSmallCorrect));
        var gainJudge = trainer.Train(KanClassifier.CreateRandom(logitNetwork, seed + 3), gainTrain, gainValidation, cancellationToken).Classifier;

        Report($"distilling a KAN judge from the large model's probabilities on {large.Teacher.Count} rows");
        var largeJudge = (KanClassifier)DistilLargeJudge(kan, seedTrain, validation, large.Teacher, cancellationToken);
        Report("distilling the MLP judge from the large model's probabilities (the same recipe, for KAN against MLP)");
        var mlpLargeJudge = (MlpClassifier)DistilLargeJudge(mlp, seedTrain, validation, large.Teacher, cancellationToken);

        Report("training the small-correctness KAN judge (features only)");
        var correctnessNetwork = new KanNetwork(_plan.Judge with { ClassCount = 2 });
        var correctness = trainer.Train(
            KanClassifier.CreateRandom(correctnessNetwork, seed + 1), Relabel(seedTrain, oofCorrect), Relabel(validation, validationSmallCorrect), cancellationToken).Classifier;

        return new TrainedRouters(kan, mlp, kanTemperature, smallTemperature, logitJudge, mlpLogitJudge, gainJudge, largeJudge, mlpLargeJudge, correctness, seed);
    }

    /// <summary>Row-major probabilities (seed rows x classes), each from a small model that did not train on that row.</summary>
    public float[] OutOfFoldProbabilities(Dataset seedTrain, Dataset validation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seedTrain);
        ArgumentNullException.ThrowIfNull(validation);
        var classes = _plan.SmallModel.ClassCount;
        var probabilities = new float[seedTrain.Count * classes];
        var trainer = new ClassifierTrainer(_plan.Training);
        for (var fold = 0; fold < Folds; fold++)
        {
            var inFold = Enumerable.Range(0, seedTrain.Count).Where(r => r % Folds == fold).ToArray();
            var rest = Enumerable.Range(0, seedTrain.Count).Where(r => r % Folds != fold).ToArray();
            if (inFold.Length == 0 || rest.Length == 0)
            {
                continue;
            }

            var model = trainer.Train(
                MlpClassifier.CreateRandom(_plan.SmallModel, _plan.Training.Seed + 10 + fold), DatasetSplit.Gather(seedTrain, rest), validation, cancellationToken).Classifier;
            var part = DatasetSplit.Gather(seedTrain, inFold);
            var partProbabilities = new float[part.Count * classes];
            model.Probabilities(part.Features, part.Count, partProbabilities);
            for (var i = 0; i < inFold.Length; i++)
            {
                partProbabilities.AsSpan(i * classes, classes).CopyTo(probabilities.AsSpan(inFold[i] * classes, classes));
            }
        }

        return probabilities;
    }

    private ITrainableClassifier DistilLargeJudge(ITrainableClassifier start, Dataset seedTrain, Dataset validation, IReadOnlyList<TeacherRecord> teacher, CancellationToken cancellationToken)
    {
        // Every teacher row counts (no confidence gate) at T = 1, plus the seed's labels; the guard always accepts,
        // since the point is to follow the large model, and the router comparison judges the result.
        var options = new DistillationOptions
        {
            TeacherWeight = 1f,
            JudgeWeight = 0f,
            LabelWeight = 1f,
            Temperature = 1f,
            ConfidenceThreshold = 0f,
            Epochs = LargeJudgeEpochs,
            LearningRate = LargeJudgeLearningRate,
            Tolerance = 1.0,
            Seed = _plan.Training.Seed,
            Threads = _plan.Training.Threads,
        };
        var uniform = Enumerable.Repeat(1f / start.ClassCount, start.ClassCount).ToArray();
        var records = new List<TeacherRecord>(teacher.Count + seedTrain.Count);
        records.AddRange(teacher);
        for (var r = 0; r < seedTrain.Count; r++)
        {
            records.Add(new TeacherRecord(seedTrain.Row(r).ToArray(), uniform, null, seedTrain.Labels[r]));
        }

        var result = new SmallModelDistiller(options).Distill(start, records, validation, cancellationToken);
        return result.Candidate ?? start;
    }

    private float FitTemperature(IClassifier classifier, Dataset validation)
    {
        var logits = new float[validation.Count * classifier.ClassCount];
        classifier.Logits(validation.Features, validation.Count, logits);
        return TemperatureScaling.Fit(logits, validation.Labels, classifier.ClassCount);
    }

    private static Dataset Relabel(Dataset data, bool[] positive) =>
        new(data.Features, positive.Select(p => p ? CorrectnessScorer.CorrectClass : 0).ToArray(), data.FeatureCount, 2);

    private static bool[] NotBeaten(bool[] largeCorrect, bool[] smallCorrect)
    {
        var result = new bool[largeCorrect.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = !(largeCorrect[i] && !smallCorrect[i]);
        }

        return result;
    }

    private void Report(string message) => _progress?.Report(message);
}
