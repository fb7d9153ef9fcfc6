using Kcm.Core.Data;

namespace Kcm.Core.Tests.Training;

/// <summary>Fashion-MNIST (from the Debian package), loaded once per test run, and small slices of it for quick trainings.</summary>
internal static class FashionMnistSubsets
{
    private static readonly Lazy<Dataset> TrainSet = new(() => FashionMnist.LoadTrain());
    private static readonly Lazy<Dataset> TestSet = new(() => FashionMnist.LoadTest());

    public static Dataset Train => TrainSet.Value;

    public static Dataset Test => TestSet.Value;
}
