using System.Diagnostics;
using System.Numerics.Tensors;
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
/// The evaluation behind <c>./kcm eval</c>: splits the data (<see cref="EvaluationSplits"/>), scales the small model's
/// and judges' inputs (<see cref="FeatureScaling"/>), trains the small model and every router on the labelled seed with
/// sizes and budgets chosen from the data (<see cref="TrainingPlan"/>, <see cref="JudgeTraining"/>), measures every
/// router on the test rows against the given large model, calibrates epsilon by three rules on calibration rows the large
/// model never trained on, reports KCM with and without hints when the large model reads them, and replays the
/// distillation loop over the unlabelled traffic. Knows nothing of files or terminals.
/// </summary>
public sealed class RoutingEvaluation
{
    /// <summary>Calibration rules in report order, with their report keys.</summary>
    public static IReadOnlyList<(CalibrationRule Rule, string Name)> Rules { get; } =
    [
        (CalibrationRule.FixedEpsilon, "fixed_epsilon"),
        (CalibrationRule.AccuracyTolerance, "accuracy_tolerance"),
        (CalibrationRule.LargeBudget, "large_budget"),
    ];

    private const int TrafficChunk = 512;
    private const int MinDistillEvery = 50;
    private const int DistillRounds = 12;
    private const int LargeJudgeTrafficPerSeedRow = 5;
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

    /// <summary>Runs the evaluation with a calibration part cut from the test file.</summary>
    public EvaluationReport Run(Dataset train, Dataset test, IClassifier large, DatasetSummary sources, CancellationToken cancellationToken = default) =>
        Run(train, test, null, large, sources, cancellationToken);

    /// <summary>Runs the evaluation; with <paramref name="calibration"/> given, thresholds are calibrated on it and every test row is reported.</summary>
    public EvaluationReport Run(
        Dataset train, Dataset test, Dataset? calibration, IClassifier large, DatasetSummary sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(large);
        ArgumentNullException.ThrowIfNull(sources);
        var stopwatch = Stopwatch.StartNew();
        var o = _options;
        Check(train, test, calibration, large);
        var features = train.FeatureCount;
        // The large model fixes the class count; data labels must fall inside it (checked above).
        var classes = large.ClassCount;
        var splits = EvaluationSplits.Create(train, test, calibration, classes, o);
        var scaling = FeatureScaling.Fit(splits.SeedTrain);
        var seedTrain = scaling.Apply(splits.SeedTrain);
        var validation = scaling.Apply(splits.Validation);
        var calibrationSet = scaling.Apply(splits.Calibration);
        var testSet = scaling.Apply(splits.Test);
        var plan = TrainingPlan.For(features, classes, seedTrain.Count, o.Seed, o.Threads, o.Epochs);
        var trainer = new ClassifierTrainer(plan.Training);

        Report($"training the small model ({plan.SmallModel.Architecture}) on {seedTrain.Count} seed rows, at most {plan.Training.Epochs} epochs of batch {plan.Training.BatchSize}");
        var small = trainer.Train(MlpClassifier.CreateRandom(plan.SmallModel, o.Seed), seedTrain, validation, cancellationToken).Classifier;

        Report($"running the large model on {splits.SeedTrain.Count + splits.Validation.Count + splits.Calibration.Count + splits.Test.Count} labelled rows");
        var largeSeed = LargeModelRuns.Run(large, splits.SeedTrain, seedTrain, small);
        var largeValidation = LargeModelRuns.Run(large, splits.Validation, validation, small);
        var largeCalibration = LargeModelRuns.Run(large, splits.Calibration, calibrationSet, small);
        var largeTest = LargeModelRuns.Run(large, splits.Test, testSet, small);
        var teacherRows = Math.Min(splits.Traffic.Count, LargeJudgeTrafficPerSeedRow * seedTrain.Count);
        Report($"running the large model on {teacherRows} traffic rows for the large-distilled judge");
        var teacherRaw = splits.Traffic.Slice(0, teacherRows);
        var teacherScaled = scaling.Apply(teacherRaw);
        var teacherRun = LargeModelRuns.Run(large, teacherRaw, teacherScaled, small);
        var teacher = Enumerable.Range(0, teacherRows)
            .Select(r => new TeacherRecord(teacherScaled.Row(r).ToArray(), teacherRun.Probabilities.AsSpan(r * classes, classes).ToArray(), null, null))
            .ToList();

        var routers = new JudgeTraining(plan, _progress).Train(
            small, seedTrain, validation, new LargeModelOutputs(largeSeed.Correct, largeValidation.Correct, teacher), cancellationToken);

        var smallTest = ClassifierRuns.Correct(small, testSet, o.Threads);
        var smallValidation = ClassifierRuns.Correct(small, validation, o.Threads);
        var smallCalibration = ClassifierRuns.Correct(small, calibrationSet, o.Threads);
        Report("scoring every router");
        var metrics = new SortedDictionary<string, RouterMetrics>(StringComparer.Ordinal);
        var validationApgr = new SortedDictionary<string, double?>(StringComparer.Ordinal);
        var testScores = new Dictionary<RouterKind, float[]>();
        foreach (var kind in RouterKinds.All)
        {
            var scorer = routers.Scorer(kind, small);
            testScores[kind] = ClassifierRuns.Scores(scorer, testSet, o.Threads);
            metrics[ReportName(kind)] = RoutingCurve.Compute(testScores[kind], smallTest, largeTest.Correct);
            validationApgr[ReportName(kind)] = RoutingCurve.Compute(ClassifierRuns.Scores(scorer, validation, o.Threads), smallValidation, largeValidation.Correct).Apgr;
        }

        var best = RouterKinds.All.Where(RouterKinds.IsJudge)
            .OrderByDescending(k => validationApgr[ReportName(k)] ?? double.NegativeInfinity)
            .First();
        var serving = o.Router ?? best;
        var calibrationScores = ClassifierRuns.Scores(routers.Scorer(serving, small), calibrationSet, o.Threads);
        var calibrated = new Dictionary<string, CalibratedPoint>(StringComparer.Ordinal);
        var thresholds = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (rule, name) in Rules)
        {
            var parameter = rule switch
            {
                CalibrationRule.FixedEpsilon => o.Epsilon,
                CalibrationRule.AccuracyTolerance => o.AccuracyTolerance,
                _ => o.LargeBudget,
            };
            var chosen = ThresholdCalibration.Choose(rule, parameter, calibrationScores, smallCalibration, largeCalibration.Correct);
            var (accuracy, share) = RoutingCurve.AtThreshold(testScores[serving], smallTest, largeTest.Correct, chosen.Epsilon);
            thresholds[name] = chosen.Epsilon;
            calibrated[name] = new CalibratedPoint(
                name, parameter, ReportName(serving), chosen.Epsilon, chosen.ExpectedLargeShare, chosen.ExpectedAccuracy, chosen.LargeOnlyAccuracy, share, accuracy);
        }

        var hints = large is IHintedClassifier
            ? Hints(large, splits.Test, testSet, largeTest, smallTest, testScores[serving], thresholds)
            : null;
        var distillEvery = o.DistillEvery ?? Math.Max(MinDistillEvery, splits.Traffic.Count / DistillRounds);
        var distillation = Replay(
            small, routers, serving, seedTrain, splits.Traffic, scaling, validation, testSet, large, largeTest.Correct, distillEvery, cancellationToken);
        var sizes = new ModelSizes(
            small.Architecture,
            small.Network.ParameterCount,
            routers.Sizes().ToDictionary(p => ReportName(p.Key), p => new RouterModelSize(p.Value.Architecture, p.Value.Parameters)),
            plan.Training.Epochs,
            plan.Training.BatchSize,
            plan.Training.Patience);
        return new EvaluationReport(
            sources with
            {
                Features = features,
                Classes = classes,
                SeedTrain = seedTrain.Count,
                Validation = validation.Count,
                Traffic = splits.Traffic.Count,
                Calibration = calibrationSet.Count,
                TestCount = testSet.Count,
                Scaling = scaling.IsIdentity ? "identity" : "min-max",
                ConstantFeatures = scaling.ConstantFeatures,
            },
            sizes,
            new AccuracyFigure(ClassifierRuns.Fraction(smallTest)),
            new AccuracyFigure(ClassifierRuns.Fraction(largeTest.Correct)),
            new AccuracyFigure(ClassifierRuns.Fraction(ClassifierRuns.Correct(routers.KanJudge, testSet, o.Threads))),
            calibrated,
            hints,
            metrics,
            validationApgr,
            ReportName(best),
            ReportName(serving),
            distillation,
            stopwatch.Elapsed.TotalSeconds);
    }

    private HintReport Hints(
        IClassifier large,
        Dataset rawTest,
        Dataset testSet,
        (float[] Probabilities, bool[] Correct, int[] HintClass) withHint,
        bool[] smallTest,
        float[] servingScores,
        Dictionary<string, float> thresholds)
    {
        Report("running the large model without hints");
        var without = LargeModelRuns.Run(large, rawTest, testSet, null);
        var classes = large.ClassCount;
        var n = rawTest.Count;
        var echoed = new bool[n];
        var wrongHint = new bool[n];
        for (var r = 0; r < n; r++)
        {
            var hint = withHint.HintClass[r];
            wrongHint[r] = hint != rawTest.Labels[r];
            echoed[r] = wrongHint[r] && TensorPrimitives.IndexOfMax(withHint.Probabilities.AsSpan(r * classes, classes)) == hint;
        }

        var points = new Dictionary<string, HintedPoint>(StringComparer.Ordinal);
        foreach (var (name, epsilon) in thresholds)
        {
            var (accuracyWith, share) = RoutingCurve.AtThreshold(servingScores, smallTest, withHint.Correct, epsilon);
            var (accuracyWithout, _) = RoutingCurve.AtThreshold(servingScores, smallTest, without.Correct, epsilon);
            int routed = 0, rightWith = 0, rightWithout = 0, wrong = 0, echo = 0;
            for (var r = 0; r < n; r++)
            {
                if (servingScores[r] >= epsilon)
                {
                    continue;
                }

                routed++;
                rightWith += withHint.Correct[r] ? 1 : 0;
                rightWithout += without.Correct[r] ? 1 : 0;
                wrong += wrongHint[r] ? 1 : 0;
                echo += echoed[r] ? 1 : 0;
            }

            points[name] = new HintedPoint(
                share, accuracyWith, accuracyWithout, routed, Ratio(rightWith, routed), Ratio(rightWithout, routed), wrong, Ratio(echo, wrong));
        }

        var wrongTotal = wrongHint.Count(w => w);
        return new HintReport(
            ClassifierRuns.Fraction(withHint.Correct), ClassifierRuns.Fraction(without.Correct), wrongTotal, Ratio(echoed.Count(e => e), wrongTotal), points);
    }

    private static double Ratio(int count, int total) => total == 0 ? 0.0 : (double)count / total;

    private DistillationReport Replay(
        MlpClassifier seedSmall,
        TrainedRouters routers,
        RouterKind serving,
        Dataset seedTrain,
        Dataset traffic,
        FeatureScaling scaling,
        Dataset validation,
        Dataset testSet,
        IClassifier large,
        bool[] largeTest,
        int distillEvery,
        CancellationToken cancellationToken)
    {
        var o = _options;
        var distillation = new DistillationOptions { ConfidenceThreshold = o.Epsilon, Tolerance = o.DistillTolerance, Seed = o.Seed, Threads = o.Threads };
        var distiller = new SmallModelDistiller(distillation);
        // The judge's confidence is its max softmax at T = 1, so it matches the teacher at T = 1: at T = 2 it learned
        // softened targets, became confident where the small model is still wrong and cost KCM 0.2-0.3 points (measured).
        var judgeDistiller = new JudgeDistiller(distillation with { Temperature = JudgeDistillTemperature });
        var small = seedSmall;
        var seedJudge = routers.DistillableJudge(serving);
        var judge = seedJudge;
        IConfidenceScorer ServingScorer() => routers.Scorer(serving, small, judge);

        var seedServingScores = ClassifierRuns.Scores(routers.Scorer(serving, seedSmall), testSet, o.Threads);
        var seedJudgeShare = new ThresholdPolicy { Epsilon = o.Epsilon }.LargeShare(seedServingScores);
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
        for (var start = 0; start < traffic.Count; start += TrafficChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(TrafficChunk, traffic.Count - start);
            var raw = traffic.Slice(start, rows);
            var chunk = scaling.Apply(raw);
            var scores = ClassifierRuns.Scores(ServingScorer(), chunk, o.Threads);
            var toLarge = Enumerable.Range(0, rows).Where(r => scores[r] < o.Epsilon).ToArray();
            if (toLarge.Length == 0)
            {
                continue;
            }

            // The large model answers the unsure samples (with the small model's hint when it reads one); its output and
            // the judge's become teacher records (no labels).
            var rawRouted = DatasetSplit.Gather(raw, toLarge);
            var routed = DatasetSplit.Gather(chunk, toLarge);
            var teacher = LargeModelRuns.Run(large, rawRouted, routed, small).Probabilities;
            float[]? judgeProbabilities = null;
            if (judge is not null)
            {
                judgeProbabilities = new float[toLarge.Length * judge.ClassCount];
                judge.Probabilities(routed.Features, toLarge.Length, judgeProbabilities);
            }

            for (var i = 0; i < toLarge.Length; i++)
            {
                records.Add(new TeacherRecord(
                    routed.Row(i).ToArray(),
                    teacher.AsSpan(i * classes, classes).ToArray(),
                    judgeProbabilities?.AsSpan(i * judge!.ClassCount, judge.ClassCount).ToArray(),
                    null));
                pending++;
                if (pending >= distillEvery)
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
                    if (o.DistillJudge && judge is not null)
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

        return new DistillationReport(ReportName(serving), o.Epsilon, distillEvery, rounds);

        DistillationRoundReport Measure(int round, int seen, int recordCount, bool accepted, bool? judgeAccepted)
        {
            var smallCorrect = ClassifierRuns.Correct(small, testSet, o.Threads);
            var servingScores = ClassifierRuns.Scores(ServingScorer(), testSet, o.Threads);
            var (kcm, share) = RoutingCurve.AtThreshold(servingScores, smallCorrect, largeTest, o.Epsilon);
            var ownShare = new ThresholdPolicy { Epsilon = o.Epsilon }.LargeShare(ClassifierRuns.Scores(new MaxSoftmaxScorer(small), testSet, o.Threads));
            double? judgeAccuracy = judge is null ? null : ClassifierRuns.Fraction(ClassifierRuns.Correct(judge, testSet, o.Threads));
            var judgeApgr = RoutingCurve.Compute(servingScores, smallCorrect, largeTest).Apgr;
            return new DistillationRoundReport(
                round, seen, recordCount, accepted, ClassifierRuns.Fraction(smallCorrect), share, ownShare, kcm, seedJudgeShare, judgeAccepted, judgeAccuracy, judgeApgr);
        }
    }

    private static void Check(Dataset train, Dataset test, Dataset? calibration, IClassifier large)
    {
        var errors = new List<string>();
        if (test.FeatureCount != train.FeatureCount)
        {
            errors.Add($"test rows have {test.FeatureCount} features, training rows {train.FeatureCount}");
        }

        if (calibration is not null && calibration.FeatureCount != train.FeatureCount)
        {
            errors.Add($"calibration rows have {calibration.FeatureCount} features, training rows {train.FeatureCount}");
        }

        if (large.InputSize != train.FeatureCount)
        {
            errors.Add($"the large model takes {large.InputSize} features, the data has {train.FeatureCount}");
        }

        var dataClasses = Math.Max(Math.Max(train.ClassCount, test.ClassCount), calibration?.ClassCount ?? 0);
        if (large.ClassCount < dataClasses)
        {
            errors.Add($"the large model has {large.ClassCount} classes, the data {dataClasses}");
        }

        if (large.ClassCount < 2)
        {
            errors.Add($"the large model has {large.ClassCount} class; a classifier needs at least 2");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Cannot evaluate: " + string.Join("; ", errors) + ".");
        }

        FeatureChecks.RequireFinite(train, "training data");
        FeatureChecks.RequireFinite(test, "test data");
        if (calibration is not null)
        {
            FeatureChecks.RequireFinite(calibration, "calibration data");
        }
    }

    private void Report(string message) => _progress?.Report(message);
}
