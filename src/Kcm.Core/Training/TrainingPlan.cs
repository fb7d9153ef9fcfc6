using Kcm.Core.Kan;
using Kcm.Core.Mlp;

namespace Kcm.Core.Training;

/// <summary>
/// Model sizes and training budgets chosen from the data's shape (features, classes, labelled rows) instead of
/// Fashion-MNIST's, so a 600-row tabular set and a 60,000-image set both train sensibly:
/// <list type="bullet">
/// <item>small model: one hidden layer of clamp(pow2(4 sqrt(features x classes)), 16, 64) ReLU units (64 for Fashion-MNIST);</item>
/// <item>KAN judge: 32 hidden, 2 x 2 average pooling when the rows are square images with an even side of at least 16, none otherwise;</item>
/// <item>batch: clamp(pow2(rows / 64), 16, 128); at most enough epochs for about 1,500 Adam steps (between 12 and 200),
/// with early stopping after clamp(epochs / 8, 2, 8) epochs without a better validation accuracy.</item>
/// </list>
/// </summary>
public sealed record TrainingPlan(MlpNetwork SmallModel, KanArchitecture Judge, TrainingOptions Training)
{
    private const int TargetSteps = 1_500;
    private const int MinEpochs = 12;
    private const int MaxEpochs = 200;

    /// <summary>
    /// The plan for <paramref name="trainRows"/> labelled rows of <paramref name="features"/> features in
    /// <paramref name="classes"/> classes, trained with <paramref name="seed"/> on <paramref name="threads"/> threads for
    /// at most <paramref name="epochs"/> epochs (null: chosen from the rows as above).
    /// </summary>
    public static TrainingPlan For(int features, int classes, int trainRows, int seed = 0, int threads = 1, int? epochs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(trainRows, 1);
        var hidden = Math.Clamp(NearestPowerOfTwo(4 * Math.Sqrt((double)features * classes)), 16, 64);
        var batch = Math.Clamp(NearestPowerOfTwo(trainRows / 64.0), 16, 128);
        var steps = Math.Max(1, (trainRows + batch - 1) / batch);
        var chosenEpochs = epochs ?? Math.Clamp((TargetSteps + steps - 1) / steps, MinEpochs, MaxEpochs);
        var training = new TrainingOptions
        {
            Epochs = chosenEpochs,
            BatchSize = batch,
            Patience = Math.Clamp(chosenEpochs / 8, 2, 8),
            Seed = seed,
            Threads = threads,
            ValidationFraction = 0,
        };
        return new TrainingPlan(new MlpNetwork(features, hidden, classes), JudgeArchitecture(features, classes), training);
    }

    /// <summary>The KAN judge's shape for a data set: 2 x 2 pooling when rows are square images with an even side of at least 16, none otherwise.</summary>
    public static KanArchitecture JudgeArchitecture(int features, int classes)
    {
        var side = (int)Math.Round(Math.Sqrt(features));
        var image = side * side == features && side % 2 == 0 && side >= 16;
        return new KanArchitecture
        {
            InputSize = features,
            ImageWidth = image ? side : features,
            PoolSize = image ? 2 : 1,
            ClassCount = classes,
        };
    }

    private static int NearestPowerOfTwo(double value) => value <= 1 ? 1 : (int)Math.Pow(2, Math.Round(Math.Log2(value)));
}
