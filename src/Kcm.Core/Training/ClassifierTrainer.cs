using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Core.Models;

namespace Kcm.Core.Training;

/// <summary>
/// Trains any <see cref="ITrainableClassifier"/> (KAN judge, MLP small model or baseline) on labelled data with
/// cross-entropy, mini-batch Adam and early stopping on validation accuracy. Deterministic for a given seed and
/// thread count: shuffles come from a seeded <see cref="Random"/> and gradients from <see cref="BatchGradient"/>.
/// </summary>
public sealed class ClassifierTrainer
{
    private readonly TrainingOptions _options;

    public ClassifierTrainer(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>
    /// Trains a copy of <paramref name="start"/>'s parameters. With <paramref name="validation"/> null, the last
    /// <see cref="TrainingOptions.ValidationFraction"/> of a seeded shuffle of <paramref name="train"/> is held out.
    /// </summary>
    public TrainingResult<TClassifier> Train<TClassifier>(
        TClassifier start, Dataset train, Dataset? validation = null, CancellationToken cancellationToken = default)
        where TClassifier : ITrainableClassifier
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(train);
        var network = start.Network;
        CheckShape(network, train, nameof(train));
        if (validation is not null)
        {
            CheckShape(network, validation, nameof(validation));
        }

        var stopwatch = Stopwatch.StartNew();
        var random = new Random(_options.Seed);
        var order = Enumerable.Range(0, train.Count).ToArray();
        random.Shuffle(order);
        int[] trainRows;
        if (validation is null && _options.ValidationFraction > 0.0)
        {
            var held = (int)Math.Round(train.Count * _options.ValidationFraction);
            if (held > 0 && held < train.Count)
            {
                validation = Gather(train, order.AsSpan(train.Count - held));
                trainRows = order[..(train.Count - held)];
            }
            else
            {
                trainRows = order;
            }
        }
        else
        {
            trainRows = order;
        }

        if (trainRows.Length == 0)
        {
            throw new ArgumentException("No training rows.", nameof(train));
        }

        var objective = new LabelObjective(train, trainRows);
        var indices = Enumerable.Range(0, trainRows.Length).ToArray();
        var batchSize = Math.Min(_options.BatchSize, indices.Length);
        var gradientEngine = new BatchGradient(network, batchSize, _options.Threads);
        var adam = new AdamOptimizer(network.ParameterCount);
        var parameters = start.Parameters.ToArray();
        var gradient = new float[parameters.Length];
        var best = parameters.ToArray();
        double? bestAccuracy = null;
        var bestEpoch = 0;
        var epochs = new List<EpochSummary>();
        var stoppedEarly = false;

        for (var epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            var epochWatch = Stopwatch.StartNew();
            random.Shuffle(indices);
            var lossSum = 0.0;
            var steps = 0;
            for (var s = 0; s < indices.Length; s += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, indices.Length - s);
                lossSum += gradientEngine.Compute(parameters, objective, indices.AsMemory(s, count), gradient);
                adam.Step(parameters, gradient, _options.LearningRate);
                steps++;
            }

            double? accuracy = validation is null ? null : start.WithParameters(parameters).Accuracy(validation, _options.Threads);
            epochs.Add(new EpochSummary(epoch, lossSum / steps, accuracy, epochWatch.Elapsed));
            if (accuracy is null || bestAccuracy is null || accuracy > bestAccuracy)
            {
                bestAccuracy = accuracy;
                bestEpoch = epoch;
                parameters.CopyTo(best, 0);
            }
            else if (epoch - bestEpoch >= _options.Patience)
            {
                stoppedEarly = epoch < _options.Epochs;
                break;
            }
        }

        var classifier = (TClassifier)start.WithParameters(best);
        return new TrainingResult<TClassifier>(classifier, epochs, bestEpoch, bestAccuracy, stoppedEarly, stopwatch.Elapsed);
    }

    private static void CheckShape(IDifferentiableNetwork network, Dataset data, string name)
    {
        if (data.FeatureCount != network.InputSize || data.ClassCount > network.ClassCount)
        {
            throw new ArgumentException(
                $"Data has {data.FeatureCount} features and {data.ClassCount} classes; {network.Architecture} takes {network.InputSize} and gives {network.ClassCount}.", name);
        }
    }

    private static Dataset Gather(Dataset data, ReadOnlySpan<int> rows)
    {
        var features = new float[rows.Length * data.FeatureCount];
        var labels = new int[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            data.Row(rows[i]).CopyTo(features.AsSpan(i * data.FeatureCount));
            labels[i] = data.Labels[rows[i]];
        }

        return new Dataset(features, labels, data.FeatureCount, data.ClassCount);
    }
}
