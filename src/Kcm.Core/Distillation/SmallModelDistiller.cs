using System.Diagnostics;
using System.Globalization;
using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Core.Distillation;

/// <summary>
/// Distils teacher records into the small model, starting from its current weights, and guards the result: the
/// candidate is accepted only if its accuracy on a held-out check set is at least the current model's minus
/// <see cref="DistillationOptions.Tolerance"/>. Deterministic for a given seed and thread count.
/// </summary>
public sealed class SmallModelDistiller : IClassifierDistiller
{
    private readonly DistillationOptions _options;

    public SmallModelDistiller(DistillationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public DistillationOptions Options => _options;

    /// <summary>One round: train a candidate on <paramref name="records"/>, then accept or reject it on <paramref name="checkSet"/>.</summary>
    public DistillationResult Distill(
        ITrainableClassifier current, IReadOnlyList<TeacherRecord> records, Dataset checkSet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(checkSet);
        if (checkSet.Count == 0 || checkSet.FeatureCount != current.InputSize)
        {
            throw new ArgumentException($"The check set needs rows of {current.InputSize} features (has {checkSet.Count} rows of {checkSet.FeatureCount}).", nameof(checkSet));
        }

        var stopwatch = Stopwatch.StartNew();
        var network = current.Network;
        var objective = new DistillationObjective(records, network.InputSize, network.ClassCount, _options);
        var before = current.Accuracy(checkSet, _options.Threads);
        if (objective.SampleCount == 0)
        {
            return new DistillationResult(
                null,
                false,
                $"No record carries a signal: none of {records.Count} has a confident teacher or judge (> {_options.ConfidenceThreshold}) or a label.",
                before,
                null,
                0,
                0,
                0,
                0,
                stopwatch.Elapsed);
        }

        var parameters = current.Parameters.ToArray();
        var gradient = new float[parameters.Length];
        var batchSize = Math.Min(_options.BatchSize, objective.SampleCount);
        var engine = new BatchGradient(network, batchSize, _options.Threads);
        var adam = new AdamOptimizer(parameters.Length);
        var random = new Random(_options.Seed);
        var order = Enumerable.Range(0, objective.SampleCount).ToArray();
        for (var epoch = 0; epoch < _options.Epochs; epoch++)
        {
            random.Shuffle(order);
            for (var s = 0; s < order.Length; s += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                engine.Compute(parameters, objective, order.AsMemory(s, Math.Min(batchSize, order.Length - s)), gradient);
                adam.Step(parameters, gradient, _options.LearningRate);
            }
        }

        var candidate = current.WithParameters(parameters);
        var after = candidate.Accuracy(checkSet, _options.Threads);
        var accepted = after >= before - _options.Tolerance;
        var reason = accepted
            ? string.Create(CultureInfo.InvariantCulture, $"Accepted: check accuracy {after:P2} vs {before:P2} before (tolerance {_options.Tolerance:P2}).")
            : string.Create(CultureInfo.InvariantCulture, $"Rejected: check accuracy fell from {before:P2} to {after:P2}, more than the tolerance {_options.Tolerance:P2}.");
        return new DistillationResult(
            candidate,
            accepted,
            reason,
            before,
            after,
            objective.SampleCount,
            objective.TeacherCount,
            objective.JudgeCount,
            objective.LabelCount,
            stopwatch.Elapsed);
    }
}
