using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;

namespace Kcm.Client.Tests;

/// <summary>Answers the fake grains give.</summary>
internal static class Results
{
    /// <summary>A completed classification of <paramref name="batch"/>: row i gets label i % 10, small route for even rows.</summary>
    public static ClassifyResult Completed(ClassifyBatch batch)
    {
        var labels = new int[batch.Rows];
        var routes = new SampleRoute[batch.Rows];
        var confidences = new float[batch.Rows];
        for (var i = 0; i < batch.Rows; i++)
        {
            labels[i] = i % 10;
            routes[i] = i % 2 == 0 ? SampleRoute.Small : SampleRoute.Large;
            confidences[i] = batch.Features[i * (batch.Features.Length / batch.Rows)];
        }

        var probabilities = batch.ReturnProbabilities ? Enumerable.Repeat(0.1f, batch.Rows * 10).ToArray() : [];
        return new ClassifyResult(ClassifyStatus.Completed, labels, routes, confidences, probabilities, true, 7, 0.8, -1, "");
    }

    public static ServingVersion Version(int version, double threshold = 0.8) =>
        new(version, Weights("small", version), Weights("judge", version), threshold, DateTimeOffset.UnixEpoch, "test");

    public static DistillationRoundResult Round() =>
        new(DistillationOutcome.Accepted, 4, 3, 3, 512, 0.91, 0.89, "accepted", null, null);

    private static StoredWeights Weights(string series, int version) => new(series, version, new string('a', 64), 0.9, DateTimeOffset.UnixEpoch);
}
