using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Registry;
using Kcm.Core.Numerics;
using Kcm.Core.Routing;
using Kcm.Grains.Hosting;
using Kcm.Grains.Registry;
using Kcm.Grains.Serving;
using Kcm.Grains.Telemetry;
using Kcm.Placement;
using Orleans.Concurrency;

namespace Kcm.Grains.Classification;

/// <summary>
/// Scores a batch with the judge of this silo's serving snapshot (by the version's <see cref="RoutingScore"/>: the
/// judge's max softmax unless calibrated for another) and routes it by the rule the evaluation uses
/// (<see cref="ThresholdPolicy"/>): rows at or above the threshold are answered by the small model, the rest by the
/// large model with the small model's probabilities as the hint. Stateless workers on gpu silos (key: model name).
/// The small model runs in <see cref="ISmallModelGrain"/>, a stateless worker beside this one, on every row (its
/// probabilities are the answer of small rows and the hint of large ones); the batch is answered by one serving
/// version, checked against the version the small model answered with.
/// </summary>
[StatelessWorker]
[GpuPlacementFilter]
public sealed class JudgeGrain(
    ServingSnapshotHolder snapshots, ServingOptions options, KcmInstruments instruments, RoutingTally tally, TimeProvider time) : Grain, IJudgeGrain
{
    private static readonly KeyValuePair<string, object?> SmallRoute = new("route", "small");
    private static readonly KeyValuePair<string, object?> LargeRoute = new("route", "large");
    private static readonly KeyValuePair<string, object?> NoRoute = new("route", "none");
    private static readonly KeyValuePair<string, object?> Ok = new("outcome", "ok");
    private static readonly KeyValuePair<string, object?> RequestStage = new("stage", "request");
    private static readonly KeyValuePair<string, object?> JudgeModel = new("model", "judge");
    private static readonly KeyValuePair<string, object?> SmallModel = new("model", "small");
    private static readonly KeyValuePair<string, object?> HintEchoed = new("outcome", "echoed");
    private static readonly KeyValuePair<string, object?> HintOverridden = new("outcome", "overridden");

    /// <summary>Times the batch is re-scored when a swap lands between the judge's read and the small model's.</summary>
    private const int SwapRetries = 3;

    public async Task<ClassifyResult> ClassifyAsync(ClassifyBatch batch)
    {
        var started = time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            // Held for the whole batch (across the small and large model calls): its models stay undisposed meanwhile.
            using var lease = snapshots.Lease();
            var snapshot = lease.Snapshot;
            if (snapshot is null)
            {
                return Refuse(ClassifyStatus.NotReady, batch?.Rows ?? 1, "not_ready", "No serving version is loaded on this silo yet; retry shortly.");
            }

            if (Validate(batch, snapshot.InputSize) is { } problem)
            {
                return Refuse(ClassifyStatus.InvalidInput, batch?.Rows ?? 1, "invalid_input", problem);
            }

            var small = await GrainFactory.GetGrain<ISmallModelGrain>(this.GetPrimaryKeyString()).PredictAsync(new ModelInput(batch!.Features, batch.Rows));
            if (small.Status != ClassifyStatus.Completed)
            {
                return Refuse(small.Status, batch.Rows, small.Status == ClassifyStatus.NotReady ? "not_ready" : "invalid_input", $"The small model answered {small.Status}.");
            }

            if (small.Version == snapshot.Version.Small.Version)
            {
                return await RouteAsync(batch, snapshot, small.Probabilities, started);
            }

            if (attempt >= SwapRetries)
            {
                // Swaps keep landing between the two reads: answer from the snapshot alone rather than mix versions.
                var probabilities = new float[batch.Rows * snapshot.ClassCount];
                Kcm.Core.Models.ClassifierExtensions.Probabilities(snapshot.Small, batch.Features, batch.Rows, probabilities);
                return await RouteAsync(batch, snapshot, probabilities, started);
            }
        }
    }

    /// <summary>Why <paramref name="batch"/> cannot be classified, or null when it can.</summary>
    private string? Validate(ClassifyBatch? batch, int inputSize)
    {
        if (batch?.Features is null)
        {
            return "The batch has no features.";
        }

        if (batch.Rows < 1 || batch.Rows > options.MaxBatchSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"A batch holds 1 to {options.MaxBatchSize} rows (was {batch.Rows}).");
        }

        if (batch.Features.Length != batch.Rows * inputSize)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"Expected {batch.Rows} rows x {inputSize} features = {batch.Rows * inputSize} values, got {batch.Features.Length}.");
        }

        var features = batch.Features;
        for (var i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                return string.Create(
                    CultureInfo.InvariantCulture, $"Feature {i % inputSize} of row {i / inputSize} is {features[i]}: every feature must be a finite number.");
            }
        }

        return null;
    }

    private async Task<ClassifyResult> RouteAsync(ClassifyBatch batch, ServingSnapshot snapshot, float[] smallProbabilities, long started)
    {
        var rows = batch.Rows;
        var classes = snapshot.ClassCount;
        var features = snapshot.InputSize;
        instruments.BatchSize.Record(rows, RequestStage);
        var judgeProbabilities = ArrayPool<float>.Shared.Rent(rows * classes);
        var confidences = new float[rows];
        var routes = ArrayPool<RouteTarget>.Shared.Rent(rows);
        try
        {
            Score(snapshot, batch.Features, rows, judgeProbabilities, smallProbabilities, confidences);
            var smallDone = time.GetTimestamp();

            // The route of every row is decided here, once, by the routing rule; everything below follows it.
            var largeCount = new ThresholdPolicy { Epsilon = (float)snapshot.Threshold }.Route(confidences, routes);
            for (var i = 0; i < rows; i++)
            {
                if (routes[i] == RouteTarget.Small && !AllFinite(smallProbabilities.AsSpan(i * classes, classes)))
                {
                    // The small model has no answer to give for this row: only the large model can answer it.
                    routes[i] = RouteTarget.Large;
                    largeCount++;
                    instruments.NonFiniteOutputs.Add(1, SmallModel);
                }
            }

            LargeModelAnswer? large = null;
            if (largeCount > 0)
            {
                large = await AskLargeAsync(batch.Features, smallProbabilities, judgeProbabilities, routes, rows, largeCount, features, classes);
                if (large.Status != ClassifyStatus.Completed)
                {
                    var failedRow = large.Status == ClassifyStatus.NonFiniteOutput ? BatchRowOfLargeRow(routes.AsSpan(0, rows), large.FailedRow) : -1;
                    return Refuse(large.Status, rows, OutcomeTag(large.Status), DetailOf(large.Status, failedRow), failedRow);
                }
            }

            var result = Answer(batch, snapshot, routes.AsSpan(0, rows), confidences, smallProbabilities, large);
            var finished = time.GetTimestamp();
            var smallCount = rows - largeCount;
            tally.Record(smallCount, largeCount);
            if (smallCount > 0)
            {
                instruments.Requests.Add(smallCount, SmallRoute, Ok);
                instruments.RequestDuration.Record(time.GetElapsedTime(started, smallDone).TotalSeconds, SmallRoute);
            }

            if (largeCount > 0)
            {
                CountHints(result, smallProbabilities, classes);
                instruments.Requests.Add(largeCount, LargeRoute, Ok);
                instruments.RequestDuration.Record(time.GetElapsedTime(started, finished).TotalSeconds, LargeRoute);
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(judgeProbabilities);
            ArrayPool<RouteTarget>.Shared.Return(routes);
        }
    }

    /// <summary>Counts the large-route rows whose hint the large model read, echoed (answered the hint's class) or overridden.</summary>
    private void CountHints(ClassifyResult result, float[] smallProbabilities, int classes)
    {
        if (!result.HintApplied)
        {
            return;
        }

        var echoed = 0;
        var overridden = 0;
        for (var i = 0; i < result.Routes.Length; i++)
        {
            var hint = smallProbabilities.AsSpan(i * classes, classes);
            // A row the small model had no finite answer for carries no hint class (kcm_nonfinite_outputs_total counts it).
            if (result.Routes[i] != SampleRoute.Large || !AllFinite(hint))
            {
                continue;
            }

            if (TensorPrimitives.IndexOfMax(hint) == result.Labels[i])
            {
                echoed++;
            }
            else
            {
                overridden++;
            }
        }

        if (echoed > 0)
        {
            instruments.HintRows.Add(echoed, HintEchoed);
        }

        if (overridden > 0)
        {
            instruments.HintRows.Add(overridden, HintOverridden);
        }
    }

    private void Score(ServingSnapshot snapshot, float[] features, int rows, float[] probabilities, float[] smallProbabilities, float[] confidences)
    {
        var classes = snapshot.ClassCount;
        var score = snapshot.Version.Score.ToServingScore();
        snapshot.Judge.Logits(features, rows, probabilities.AsSpan(0, rows * classes));
        for (var i = 0; i < rows; i++)
        {
            var row = probabilities.AsSpan(i * classes, classes);
            // Max-subtracted softmax: logits above ~88 overflow a plain exp to NaN.
            Softmax.Apply(row, row);
            confidences[i] = ServingScores.Of(score, row, smallProbabilities.AsSpan(i * classes, classes));
            if (float.IsFinite(confidences[i]))
            {
                instruments.JudgeConfidence.Record(confidences[i]);
            }
            else
            {
                // The routing rule sends a non-finite confidence to the large model; count how often that happens.
                instruments.NonFiniteOutputs.Add(1, JudgeModel);
            }
        }
    }

    private Task<LargeModelAnswer> AskLargeAsync(
        float[] features, float[] smallProbabilities, float[] judgeProbabilities, RouteTarget[] routes, int rows, int largeCount, int featureCount, int classes)
    {
        // The message owns its arrays: copies of the large rows only.
        var largeFeatures = new float[largeCount * featureCount];
        var hints = new float[largeCount * classes];
        var judge = new float[largeCount * classes];
        var row = 0;
        for (var i = 0; i < rows; i++)
        {
            if (routes[i] == RouteTarget.Large)
            {
                features.AsSpan(i * featureCount, featureCount).CopyTo(largeFeatures.AsSpan(row * featureCount));
                smallProbabilities.AsSpan(i * classes, classes).CopyTo(hints.AsSpan(row * classes));
                judgeProbabilities.AsSpan(i * classes, classes).CopyTo(judge.AsSpan(row * classes));
                row++;
            }
        }

        return GrainFactory.GetGrain<ILargeModelGrain>(this.GetPrimaryKeyString()).InferAsync(new LargeModelBatch(largeFeatures, hints, judge, largeCount));
    }

    private static ClassifyResult Answer(
        ClassifyBatch batch, ServingSnapshot snapshot, ReadOnlySpan<RouteTarget> routes, float[] confidences, float[] smallProbabilities, LargeModelAnswer? large)
    {
        var rows = batch.Rows;
        var classes = snapshot.ClassCount;
        var labels = new int[rows];
        var sampleRoutes = new SampleRoute[rows];
        var probabilities = batch.ReturnProbabilities ? new float[rows * classes] : [];
        var largeRow = 0;
        for (var i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> answer;
            if (routes[i] == RouteTarget.Small)
            {
                answer = smallProbabilities.AsSpan(i * classes, classes);
                sampleRoutes[i] = SampleRoute.Small;
            }
            else
            {
                answer = large!.Probabilities.AsSpan(largeRow * classes, classes);
                sampleRoutes[i] = SampleRoute.Large;
                largeRow++;
            }

            labels[i] = TensorPrimitives.IndexOfMax(answer);
            if (batch.ReturnProbabilities)
            {
                answer.CopyTo(probabilities.AsSpan(i * classes, classes));
            }

            // A judge whose output overflowed has no confidence to report: 0 (it sent the row to the large model).
            if (!float.IsFinite(confidences[i]))
            {
                confidences[i] = 0f;
            }
        }

        return new ClassifyResult(
            ClassifyStatus.Completed, labels, sampleRoutes, confidences, probabilities, large?.HintApplied ?? false,
            snapshot.Version.Small.Version, snapshot.Threshold, -1, string.Empty);
    }

    private ClassifyResult Refuse(ClassifyStatus status, int rows, string outcome, string detail, int failedRow = -1)
    {
        instruments.Requests.Add(Math.Max(rows, 1), NoRoute, new KeyValuePair<string, object?>("outcome", outcome));
        return ClassifyResult.Refused(status, detail, failedRow);
    }

    /// <summary>The batch row of the <paramref name="largeRow"/>-th large-route row, or -1.</summary>
    private static int BatchRowOfLargeRow(ReadOnlySpan<RouteTarget> routes, int largeRow)
    {
        for (int i = 0, seen = 0; i < routes.Length; i++)
        {
            if (routes[i] == RouteTarget.Large && seen++ == largeRow)
            {
                return i;
            }
        }

        return -1;
    }

    private static string OutcomeTag(ClassifyStatus status) => status switch
    {
        ClassifyStatus.Overloaded => "overloaded",
        ClassifyStatus.DeadlineExceeded => "deadline_exceeded",
        ClassifyStatus.ShuttingDown => "shutting_down",
        ClassifyStatus.NonFiniteOutput => "non_finite_output",
        ClassifyStatus.NotReady => "not_ready",
        _ => "invalid_input",
    };

    private static string DetailOf(ClassifyStatus status, int failedRow) => status switch
    {
        ClassifyStatus.Overloaded => "The large model's queue is full; retry shortly.",
        ClassifyStatus.DeadlineExceeded => "The large model could not answer before the deadline; retry.",
        ClassifyStatus.ShuttingDown => "The silo is stopping; retry on another.",
        ClassifyStatus.NonFiniteOutput => string.Create(
            CultureInfo.InvariantCulture, $"The large model's output for row {failedRow} is not finite: its features are far outside what the model was trained on."),
        _ => $"The large model answered {status}.",
    };

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
