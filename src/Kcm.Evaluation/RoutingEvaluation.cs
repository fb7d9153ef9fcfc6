using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Numerics;
using Kcm.Core.Routing;
using Kcm.Core.Training;

namespace Kcm.Evaluation;

/// <summary>
/// The evaluation behind <c>./kcm eval</c>: trains the small model and the routers on the labelled seed, measures
/// every router on the test set against a given large model, calibrates epsilon on the validation split, and replays
/// the distillation loop over the rest of the training set as unlabelled traffic. Knows nothing of files or terminals.
/// </summary>
public sealed class RoutingEvaluation
{
    private const int SmallHidden = 64;
    private const int TrafficChunk = 512;
    private const float JudgeDistillTemperature = 1f;

    private readonly EvaluationOptions _options;
    private readonly IProgress<string>? _progress;

    public RoutingEvaluation(EvaluationOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _progress = progress;
    }

    /// <summary>Config name of a router as it appears in the report (snake_case).</summary>
    public static string ReportName(RouterKind kind) => RouterKinds.Name(kind).Replace('-', '_');

    /// <summary>The KAN judge's shape for a data set: 2 x 2 pooling when rows are square images with an even side, none otherwise.</summary>
    public static KanArchitecture JudgeArchitecture(int features, int classes)
    {
        var side = (int)Math.Round(Math.Sqrt(features));
        var image = side * side == features && side % 2 == 0;
        return new KanArchitecture
        {
            InputSize = features,
            ImageWidth = image ? side : features,
            PoolSize = image ? 2 : 1,
            ClassCount = classes,
        };
    }

    public EvaluationReport Run(Dataset train, Dataset test, IClassifier large, DatasetSummary sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(large);
        var stopwatch = Stopwatch.StartNew();
        var o = _options;
        Check(train, test, large);
        var features = train.FeatureCount;
        // The large model fixes the class count; data labels must fall inside it (checked above).
        var classes = large.ClassCount;
        var seedTrain = train.Slice(0, o.SeedCount - o.ValidationCount);
        var validation = train.Slice(o.SeedCount - o.ValidationCount, o.ValidationCount);
        var trafficCount = Math.Min(o.TrafficCount ?? int.MaxValue, train.Count - o.SeedCount);
        var traffic = train.Slice(o.SeedCount, trafficCount);
        var testSet = test.Slice(0, Math.Min(o.TestCount ?? int.MaxValue, test.Count));

        var training = new TrainingOptions { Epochs = o.Epochs, Seed = o.Seed, Threads = o.Threads, ValidationFraction = 0 };
        var trainer = new ClassifierTrainer(training);
        Report($"training the small model on {seedTrain.Count} seed rows");
        var small = trainer.Train(MlpClassifier.CreateRandom(new MlpNetwork(features, SmallHidden, classes), o.Seed), seedTrain, validation, cancellationToken).Classifier;
        Report("training the KAN judge");
        var kanNetwork = new KanNetwork(JudgeArchitecture(features, classes));
        var kan = trainer.Train(KanClassifier.CreateRandom(kanNetwork, o.Seed), seedTrain, validation, cancellationToken).Classifier;
        var mlpHidden = MlpNetwork.HiddenWidthForParameterCount(features, classes, kanNetwork.ParameterCount);
        Report($"training the MLP judge ({mlpHidden} hidden, about the KAN judge's {kanNetwork.ParameterCount} parameters)");
        var mlpJudge = trainer.Train(MlpClassifier.CreateRandom(new MlpNetwork(features, mlpHidden, classes), o.Seed), seedTrain, validation, cancellationToken).Classifier;
        Report("training the small-correctness KAN judge");
        var correctness = TrainCorrectnessJudge(trainer, small, seedTrain, validation, cancellationToken);

        Report($"running the large model on {testSet.Count} test and {validation.Count} validation rows");
        var largeTest = ClassifierRuns.Correct(large, testSet, 1);
        var largeValidation = ClassifierRuns.Correct(large, validation, 1);
        var smallTest = ClassifierRuns.Correct(small, testSet, o.Threads);
        var smallValidation = ClassifierRuns.Correct(small, validation, o.Threads);

        Report("scoring every router");
        var scorers = new Dictionary<RouterKind, IConfidenceScorer>
        {
            [RouterKind.KanJudge] = new MaxSoftmaxScorer(kan),
            [RouterKind.MlpJudge] = new MaxSoftmaxScorer(mlpJudge),
            [RouterKind.SmallSoftmax] = new MaxSoftmaxScorer(small),
            [RouterKind.SmallCorrectness] = new CorrectnessScorer(correctness),
            [RouterKind.Random] = new RandomScorer(features, o.Seed),
        };
        var routers = new SortedDictionary<string, RouterMetrics>(StringComparer.Ordinal);
        var validationApgr = new SortedDictionary<string, double?>(StringComparer.Ordinal);
        var testScores = new Dictionary<RouterKind, float[]>();
        var validationScores = new Dictionary<RouterKind, float[]>();
        foreach (var (kind, scorer) in scorers)
        {
            testScores[kind] = ClassifierRuns.Scores(scorer, testSet, o.Threads);
            validationScores[kind] = ClassifierRuns.Scores(scorer, validation, o.Threads);
            routers[ReportName(kind)] = RoutingCurve.Compute(testScores[kind], smallTest, largeTest);
            validationApgr[ReportName(kind)] = RoutingCurve.Compute(validationScores[kind], smallValidation, largeValidation).Apgr;
        }

        var best = validationApgr.Where(p => p.Value is not null).OrderByDescending(p => p.Value).Select(p => p.Key).FirstOrDefault() ?? ReportName(o.Router);
        var router = ReportName(o.Router);
        var (kcmAccuracy, kcmShare) = RoutingCurve.AtThreshold(testScores[o.Router], smallTest, largeTest, o.Epsilon);
        var calibration = ThresholdCalibration.Calibrate(validationScores[o.Router], o.TargetLargeShare, smallValidation, largeValidation);
        var (calibratedAccuracy, calibratedShare) = RoutingCurve.AtThreshold(testScores[o.Router], smallTest, largeTest, calibration.Epsilon);

        var distillation = Replay(small, kan, scorers, seedTrain, traffic, validation, testSet, large, largeTest, cancellationToken);
        var sizes = new ModelSizes(
            small.Architecture, small.Network.ParameterCount, kan.Architecture, kanNetwork.ParameterCount, mlpJudge.Architecture, mlpJudge.Network.ParameterCount);
        return new EvaluationReport(
            sources with { Features = features, Classes = classes, SeedTrain = seedTrain.Count, Validation = validation.Count, Traffic = traffic.Count, TestCount = testSet.Count },
            sizes,
            new AccuracyFigure(ClassifierRuns.Fraction(smallTest)),
            new AccuracyFigure(ClassifierRuns.Fraction(largeTest)),
            new AccuracyFigure(ClassifierRuns.Fraction(ClassifierRuns.Correct(kan, testSet, o.Threads))),
            new OperatingPoint(router, o.Epsilon, kcmAccuracy, kcmShare),
            new CalibratedPoint(router, o.TargetLargeShare, calibration.Epsilon, calibration.ExpectedLargeShare, calibration.ExpectedAccuracy, calibratedShare, calibratedAccuracy),
            routers,
            validationApgr,
            best,
            distillation,
            stopwatch.Elapsed.TotalSeconds);
    }

    private KanClassifier TrainCorrectnessJudge(ClassifierTrainer trainer, IClassifier small, Dataset seedTrain, Dataset validation, CancellationToken cancellationToken)
    {
        // Labels: 1 where the seed-trained small model is right. On its own training rows the small model is right
        // more often than on new data, so this judge is somewhat optimistic; it is a baseline, not the default.
        Dataset Relabel(Dataset data)
        {
            var correct = ClassifierRuns.Correct(small, data, _options.Threads);
            return new Dataset(data.Features, correct.Select(c => c ? CorrectnessScorer.CorrectClass : 0).ToArray(), data.FeatureCount, 2);
        }

        var network = new KanNetwork(JudgeArchitecture(seedTrain.FeatureCount, 2));
        return trainer.Train(KanClassifier.CreateRandom(network, _options.Seed + 1), Relabel(seedTrain), Relabel(validation), cancellationToken).Classifier;
    }

    private DistillationReport Replay(
        MlpClassifier seedSmall,
        KanClassifier kan,
        Dictionary<RouterKind, IConfidenceScorer> seedScorers,
        Dataset seedTrain,
        Dataset traffic,
        Dataset validation,
        Dataset testSet,
        IClassifier large,
        bool[] largeTest,
        CancellationToken cancellationToken)
    {
        var o = _options;
        var distillation = new DistillationOptions { ConfidenceThreshold = o.Epsilon, Tolerance = o.DistillTolerance, Seed = o.Seed, Threads = o.Threads };
        var distiller = new SmallModelDistiller(distillation);
        // The judge's confidence is its max softmax at T = 1, so it matches the teacher at T = 1: at T = 2 it learned
        // softened targets, became confident where the small model is still wrong and cost KCM 0.2-0.3 points (measured).
        var judgeDistiller = new JudgeDistiller(distillation with { Temperature = JudgeDistillTemperature });
        var small = seedSmall;
        var judge = kan;
        IConfidenceScorer ServingScorer() => o.Router switch
        {
            RouterKind.SmallSoftmax => new MaxSoftmaxScorer(small),
            RouterKind.KanJudge => new MaxSoftmaxScorer(judge),
            _ => seedScorers[o.Router],
        };

        var seedJudgeScores = ClassifierRuns.Scores(new MaxSoftmaxScorer(kan), testSet, o.Threads);
        var seedJudgeShare = new ThresholdPolicy { Epsilon = o.Epsilon }.LargeShare(seedJudgeScores);
        var rounds = new List<DistillationRoundReport> { Measure(0, 0, 0, true, null) };
        // The labelled seed can ride along (label term only) so the small model keeps what it learned from it.
        var seedRecords = new List<TeacherRecord>();
        if (o.DistillWithSeedLabels)
        {
            var uniform = Enumerable.Repeat(1f / large.ClassCount, large.ClassCount).ToArray();
            for (var i = 0; i < seedTrain.Count; i++)
            {
                // A uniform teacher never passes the confidence gate, so only the label term of these records is on.
                seedRecords.Add(new TeacherRecord(seedTrain.Row(i).ToArray(), uniform, null, seedTrain.Labels[i]));
            }
        }

        var records = new List<TeacherRecord>();
        var pending = 0;
        var classes = large.ClassCount;
        var features = traffic.FeatureCount;
        for (var start = 0; start < traffic.Count; start += TrafficChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(TrafficChunk, traffic.Count - start);
            var chunk = traffic.Slice(start, rows);
            var scores = ClassifierRuns.Scores(ServingScorer(), chunk, o.Threads);
            var toLarge = Enumerable.Range(0, rows).Where(r => scores[r] < o.Epsilon).ToArray();
            if (toLarge.Length == 0)
            {
                continue;
            }

            // The large model answers the unsure samples; its output and the judge's become teacher records (no labels).
            var inputs = new float[toLarge.Length * features];
            for (var i = 0; i < toLarge.Length; i++)
            {
                chunk.Row(toLarge[i]).CopyTo(inputs.AsSpan(i * features));
            }

            var teacher = new float[toLarge.Length * classes];
            large.Logits(inputs, toLarge.Length, teacher);
            var judgeLogits = new float[toLarge.Length * judge.ClassCount];
            judge.Logits(inputs, toLarge.Length, judgeLogits);
            for (var i = 0; i < toLarge.Length; i++)
            {
                var teacherRow = teacher.AsSpan(i * classes, classes);
                var judgeRow = judgeLogits.AsSpan(i * judge.ClassCount, judge.ClassCount);
                Softmax.Apply(teacherRow, teacherRow);
                Softmax.Apply(judgeRow, judgeRow);
                records.Add(new TeacherRecord(inputs.AsSpan(i * features, features).ToArray(), teacherRow.ToArray(), judgeRow.ToArray(), null));
                pending++;
                if (pending >= o.DistillEvery)
                {
                    var seen = start + toLarge[i] + 1;
                    Report($"distillation round {rounds.Count} after {seen} traffic rows ({records.Count} teacher records)");
                    List<TeacherRecord> roundRecords = [.. seedRecords, .. records];
                    var result = distiller.Distill(small, roundRecords, validation, cancellationToken);
                    if (result.Accepted && result.Candidate is MlpClassifier candidate)
                    {
                        small = candidate;
                    }

                    bool? judgeAccepted = null;
                    if (o.DistillJudge)
                    {
                        // The judge learns from the same records (teacher KL and seed labels), under the same guard.
                        var judgeResult = judgeDistiller.Distill(judge, roundRecords, validation, cancellationToken);
                        judgeAccepted = judgeResult.Accepted;
                        if (judgeResult.Accepted && judgeResult.Candidate is KanClassifier distilledJudge)
                        {
                            judge = distilledJudge;
                        }
                    }

                    rounds.Add(Measure(rounds.Count, seen, records.Count, result.Accepted, judgeAccepted));
                    pending = 0;
                }
            }
        }

        return new DistillationReport(ReportName(o.Router), o.Epsilon, o.DistillEvery, rounds);

        DistillationRoundReport Measure(int round, int seen, int recordCount, bool accepted, bool? judgeAccepted)
        {
            var smallCorrect = ClassifierRuns.Correct(small, testSet, o.Threads);
            var servingScores = ClassifierRuns.Scores(ServingScorer(), testSet, o.Threads);
            var (kcm, share) = RoutingCurve.AtThreshold(servingScores, smallCorrect, largeTest, o.Epsilon);
            var ownShare = new ThresholdPolicy { Epsilon = o.Epsilon }.LargeShare(ClassifierRuns.Scores(new MaxSoftmaxScorer(small), testSet, o.Threads));
            var judgeAccuracy = ClassifierRuns.Fraction(ClassifierRuns.Correct(judge, testSet, o.Threads));
            var judgeApgr = RoutingCurve.Compute(ClassifierRuns.Scores(new MaxSoftmaxScorer(judge), testSet, o.Threads), smallCorrect, largeTest).Apgr;
            return new DistillationRoundReport(
                round, seen, recordCount, accepted, ClassifierRuns.Fraction(smallCorrect), share, ownShare, kcm, seedJudgeShare, judgeAccepted, judgeAccuracy, judgeApgr);
        }
    }

    private void Check(Dataset train, Dataset test, IClassifier large)
    {
        var errors = new List<string>();
        if (train.Count < _options.SeedCount)
        {
            errors.Add($"the training set has {train.Count} rows, fewer than the seed's {_options.SeedCount}");
        }

        if (test.FeatureCount != train.FeatureCount)
        {
            errors.Add($"test rows have {test.FeatureCount} features, training rows {train.FeatureCount}");
        }

        if (large.InputSize != train.FeatureCount)
        {
            errors.Add($"the large model takes {large.InputSize} features, the data has {train.FeatureCount}");
        }

        if (large.ClassCount < Math.Max(train.ClassCount, test.ClassCount))
        {
            errors.Add($"the large model has {large.ClassCount} classes, the data {Math.Max(train.ClassCount, test.ClassCount)}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Cannot evaluate: " + string.Join("; ", errors) + ".");
        }
    }

    private void Report(string message) => _progress?.Report(message);
}
