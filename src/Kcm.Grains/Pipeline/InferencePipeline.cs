using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using Kcm.Contracts;
using Kcm.Core.Numerics;
using Kcm.Core.Routing;
using Kcm.Grains.Distillation;
using Kcm.Grains.Judge;
using Kcm.Grains.Large;
using Kcm.Grains.Small;
using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Pipeline;

/// <summary>
/// One model's serving path: the judge scores the batch; the routing rule (<see cref="ThresholdPolicy"/>, the one the
/// evaluation uses) sends samples at or above the threshold to the small model and the rest to the large model pool,
/// with the small model's probabilities as a hint; the large model's answers become teacher records. The small version and the threshold are read once per batch, so every
/// sample of a batch names the same version and threshold. Scratch buffers are pooled.
/// </summary>
public sealed class InferencePipeline
{
    private static readonly KeyValuePair<string, object?> SmallRoute = new("route", "small");
    private static readonly KeyValuePair<string, object?> LargeRoute = new("route", "large");
    private static readonly KeyValuePair<string, object?> NoRoute = new("route", "none");
    private static readonly KeyValuePair<string, object?> Ok = new("outcome", "ok");
    private static readonly KeyValuePair<string, object?> RequestStage = new("stage", "request");
    private static readonly KeyValuePair<string, object?> SmallModel = new("model", "small");
    private static readonly KeyValuePair<string, object?> LargeModel = new("model", "large");

    private readonly IJudgeGrain _judge;
    private readonly ISmallModelGrain _small;
    private readonly ILargeModelPoolGrain _large;
    private readonly ITeacherQueue _teachers;
    private readonly KcmInstruments _instruments;
    private readonly RoutingWindow _window;
    private readonly TimeSpan _deadline;
    private long _requestsSmall;
    private long _requestsLarge;

    public InferencePipeline(
        string modelName,
        IJudgeGrain judge,
        ISmallModelGrain small,
        ILargeModelPoolGrain large,
        ITeacherQueue teachers,
        KcmInstruments instruments,
        RoutingWindow window,
        TimeSpan deadline)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        var smallModel = small.GetCurrentAsync().AsTask().GetAwaiter().GetResult().Model;
        if (judge.InputSize != large.InputSize || smallModel.InputSize != large.InputSize
            || judge.ClassCount != large.ClassCount || smallModel.ClassCount != large.ClassCount)
        {
            throw new ArgumentException(
                $"Judge ({judge.InputSize} -> {judge.ClassCount}), small ({smallModel.InputSize} -> {smallModel.ClassCount}) and large "
                + $"({large.InputSize} -> {large.ClassCount}) models must agree on features and classes.");
        }

        ModelName = modelName;
        _judge = judge;
        _small = small;
        _large = large;
        _teachers = teachers;
        _instruments = instruments;
        _window = window;
        _deadline = deadline;
        instruments.AddGauge("kcm_large_share", "1", $"Share of samples answered by the large model over the last {window.WindowSeconds} s.", window.LargeShare);
    }

    public string ModelName { get; }

    public int InputSize => _large.InputSize;

    public int ClassCount => _large.ClassCount;

    /// <summary>Samples answered by the small model since start.</summary>
    public long RequestsSmall => Interlocked.Read(ref _requestsSmall);

    /// <summary>Samples answered by the large model since start.</summary>
    public long RequestsLarge => Interlocked.Read(ref _requestsLarge);

    public RoutingWindow Window => _window;

    /// <summary>Answers a batch of row-major samples (batch x <see cref="InputSize"/>), already validated by the caller.</summary>
    public async Task<InferenceOutcome> InferAsync(ReadOnlyMemory<float> inputs, int batchSize, bool returnProbabilities, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var features = InputSize;
        var classes = ClassCount;
        if (batchSize < 1 || inputs.Length != batchSize * features)
        {
            throw new ArgumentException($"Expected {batchSize} x {features} features, got {inputs.Length} values.", nameof(inputs));
        }

        _instruments.BatchSize.Record(batchSize, RequestStage);
        var judgeProbabilities = ArrayPool<float>.Shared.Rent(batchSize * classes);
        var confidences = ArrayPool<float>.Shared.Rent(batchSize);
        var smallProbabilities = ArrayPool<float>.Shared.Rent(batchSize * classes);
        var routes = ArrayPool<RouteTarget>.Shared.Rent(batchSize);
        float[]? largeInputs = null;
        float[]? hints = null;
        float[]? largeProbabilities = null;
        try
        {
            var threshold = await _judge.GetThresholdAsync().ConfigureAwait(false);
            await _judge.ScoreAsync(inputs, batchSize, judgeProbabilities, confidences, cancellationToken).ConfigureAwait(false);
            var version = await _small.LogitsAsync(inputs, batchSize, smallProbabilities, cancellationToken).ConfigureAwait(false);
            SoftmaxRows(smallProbabilities.AsSpan(0, batchSize * classes), classes);
            var smallDone = Stopwatch.GetTimestamp();

            // The route of every sample is decided here, once, by the routing rule; everything below follows it.
            var largeCount = new ThresholdPolicy { Epsilon = (float)threshold }.Route(confidences.AsSpan(0, batchSize), routes);
            for (var i = 0; i < batchSize; i++)
            {
                if (routes[i] == RouteTarget.Small && !AllFinite(smallProbabilities.AsSpan(i * classes, classes)))
                {
                    // The small model has no answer to give for this sample: only the large model can answer it.
                    routes[i] = RouteTarget.Large;
                    largeCount++;
                    _instruments.NonFiniteOutputs.Add(1, SmallModel);
                }
            }

            if (largeCount > 0)
            {
                largeInputs = ArrayPool<float>.Shared.Rent(largeCount * features);
                hints = ArrayPool<float>.Shared.Rent(largeCount * classes);
                largeProbabilities = ArrayPool<float>.Shared.Rent(largeCount * classes);
                var row = 0;
                for (var i = 0; i < batchSize; i++)
                {
                    if (routes[i] == RouteTarget.Large)
                    {
                        inputs.Span.Slice(i * features, features).CopyTo(largeInputs.AsSpan(row * features));
                        smallProbabilities.AsSpan(i * classes, classes).CopyTo(hints.AsSpan(row * classes));
                        row++;
                    }
                }

                var remaining = _deadline - Stopwatch.GetElapsedTime(started);
                var status = await _large.InferAsync(
                    largeInputs.AsMemory(0, largeCount * features),
                    hints.AsMemory(0, largeCount * classes),
                    largeCount,
                    largeProbabilities.AsMemory(0, largeCount * classes),
                    remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero,
                    cancellationToken).ConfigureAwait(false);
                if (status != LargeModelStatus.Completed)
                {
                    return Refused(status, batchSize);
                }

                SoftmaxRows(largeProbabilities.AsSpan(0, largeCount * classes), classes);
                if (FirstNonFiniteLargeRow(routes.AsSpan(0, batchSize), largeProbabilities.AsSpan(0, largeCount * classes), classes) is var bad and >= 0)
                {
                    // No model has an answer for this sample; refuse the batch (a client error: its inputs) rather than
                    // answer with a made-up label or teach the small model from it.
                    _instruments.NonFiniteOutputs.Add(1, LargeModel);
                    CountRefused(batchSize, "non_finite_output");
                    return new InferenceOutcome(InferenceStatus.NonFiniteOutput, null, bad);
                }
            }

            var finished = Stopwatch.GetTimestamp();
            var response = Respond(
                inputs.Span, batchSize, returnProbabilities, threshold, version, routes, confidences, judgeProbabilities, smallProbabilities,
                largeProbabilities, Stopwatch.GetElapsedTime(started, smallDone), Stopwatch.GetElapsedTime(started, finished));
            var smallCount = batchSize - largeCount;
            Interlocked.Add(ref _requestsSmall, smallCount);
            Interlocked.Add(ref _requestsLarge, largeCount);
            _window.Record(smallCount, largeCount);
            if (smallCount > 0)
            {
                _instruments.Requests.Add(smallCount, SmallRoute, Ok);
                _instruments.RequestDuration.Record(Stopwatch.GetElapsedTime(started, smallDone).TotalSeconds, SmallRoute);
            }

            if (largeCount > 0)
            {
                _instruments.Requests.Add(largeCount, LargeRoute, Ok);
                _instruments.RequestDuration.Record(Stopwatch.GetElapsedTime(started, finished).TotalSeconds, LargeRoute);
            }

            return new InferenceOutcome(InferenceStatus.Completed, response);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(judgeProbabilities);
            ArrayPool<float>.Shared.Return(confidences);
            ArrayPool<float>.Shared.Return(smallProbabilities);
            ArrayPool<RouteTarget>.Shared.Return(routes);
            if (largeInputs is not null)
            {
                ArrayPool<float>.Shared.Return(largeInputs);
                ArrayPool<float>.Shared.Return(hints!);
                ArrayPool<float>.Shared.Return(largeProbabilities!);
            }
        }
    }

    /// <summary>Counts samples refused before routing (bad input) under route "none".</summary>
    public void CountRefused(int samples, string outcome) =>
        _instruments.Requests.Add(Math.Max(samples, 1), NoRoute, new KeyValuePair<string, object?>("outcome", outcome));

    private InferenceOutcome Refused(LargeModelStatus status, int batchSize)
    {
        var (result, tag) = status switch
        {
            LargeModelStatus.QueueFull => (InferenceStatus.Overloaded, "overloaded"),
            LargeModelStatus.DeadlineExceeded => (InferenceStatus.DeadlineExceeded, "deadline_exceeded"),
            LargeModelStatus.Unavailable => (InferenceStatus.LargeModelUnavailable, "large_model_unavailable"),
            _ => (InferenceStatus.ShuttingDown, "shutting_down"),
        };
        CountRefused(batchSize, tag);
        return new InferenceOutcome(result, null);
    }

    private InferResponse Respond(
        ReadOnlySpan<float> inputs,
        int batchSize,
        bool returnProbabilities,
        double threshold,
        SmallModelVersion version,
        RouteTarget[] routes,
        float[] confidences,
        float[] judgeProbabilities,
        float[] smallProbabilities,
        float[]? largeProbabilities,
        TimeSpan smallLatency,
        TimeSpan largeLatency)
    {
        var features = InputSize;
        var classes = ClassCount;
        var hint = _large.HintInputName is null ? HintOutcome.Skipped : HintOutcome.Applied;
        var results = new InferResult[batchSize];
        var largeRow = 0;
        for (var i = 0; i < batchSize; i++)
        {
            // A judge whose output overflowed has no confidence to report: 0 (it sent the sample to the large model).
            var confidence = float.IsFinite(confidences[i]) ? confidences[i] : 0f;
            ReadOnlySpan<float> probabilities;
            InferResult result;
            if (routes[i] == RouteTarget.Small)
            {
                probabilities = smallProbabilities.AsSpan(i * classes, classes);
                result = new InferResult(
                    TensorPrimitives.IndexOfMax(probabilities), returnProbabilities ? probabilities.ToArray() : null, InferenceRoute.Small,
                    confidence, version.Version, null, smallLatency.TotalMilliseconds);
            }
            else
            {
                probabilities = largeProbabilities.AsSpan(largeRow * classes, classes);
                largeRow++;
                result = new InferResult(
                    TensorPrimitives.IndexOfMax(probabilities), returnProbabilities ? probabilities.ToArray() : null, InferenceRoute.Large,
                    confidence, version.Version, hint, largeLatency.TotalMilliseconds);
                // The large model's answer teaches the small one; a full queue drops it rather than slow serving.
                // Judge probabilities that overflowed would teach the judge nothing but NaN: the record goes without them.
                var judgeRow = judgeProbabilities.AsSpan(i * classes, classes);
                _teachers.TryEnqueue(new TeacherSample(
                    inputs.Slice(i * features, features).ToArray(),
                    probabilities.ToArray(),
                    AllFinite(judgeRow) ? judgeRow.ToArray() : null,
                    null));
            }

            results[i] = result;
        }

        return new InferResponse(ModelName, results, threshold);
    }

    /// <summary>The batch row of the first large-route sample whose large-model probabilities are not finite, or -1.</summary>
    private static int FirstNonFiniteLargeRow(ReadOnlySpan<RouteTarget> routes, ReadOnlySpan<float> largeProbabilities, int classes)
    {
        var largeRow = 0;
        for (var i = 0; i < routes.Length; i++)
        {
            if (routes[i] != RouteTarget.Large)
            {
                continue;
            }

            if (!AllFinite(largeProbabilities.Slice(largeRow * classes, classes)))
            {
                return i;
            }

            largeRow++;
        }

        return -1;
    }

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

    private static void SoftmaxRows(Span<float> values, int classes)
    {
        for (var start = 0; start < values.Length; start += classes)
        {
            var row = values.Slice(start, classes);
            // Max-subtracted: a plain exp overflows to NaN for logits above ~88 (raw 0-255 pixels give such logits).
            Softmax.Apply(row, row);
        }
    }
}
