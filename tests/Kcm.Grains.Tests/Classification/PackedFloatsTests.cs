using Kcm.Abstractions.Classification;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Xunit;

namespace Kcm.Grains.Tests.Classification;

/// <summary>The wire forms of the messages carrying feature rows: packed floats round-trip exactly, and a malformed block is refused.</summary>
public sealed class PackedFloatsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ClassifyBatch).Assembly)).BuildServiceProvider();

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void ClassifyBatchRoundTripsEveryBitOfItsFeatures()
    {
        float[] features = [0f, -0f, 1.5f, float.NaN, float.PositiveInfinity, float.Epsilon, -3.25e-30f, 0.1f];
        var copy = Serializer.Deserialize<ClassifyBatch>(Serializer.SerializeToArray(new ClassifyBatch(features, 2, ReturnProbabilities: true)))!;

        Assert.Equal(2, copy.Rows);
        Assert.True(copy.ReturnProbabilities);
        // Bit for bit, NaN and negative zero included: the features reach the models as the client sent them.
        Assert.Equal(features.Select(BitConverter.SingleToInt32Bits), copy.Features.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ClassifyBatchTravelsAsOneRunOfBytes()
    {
        var features = new float[32 * 784];
        var bytes = Serializer.SerializeToArray(new ClassifyBatch(features, 32));

        // Element by element, Orleans spends a header byte per float on top of its 4 bytes (125,453 bytes for this batch).
        Assert.InRange(bytes.Length, features.Length * sizeof(float), (features.Length * sizeof(float)) + 64);
    }

    [Fact]
    public void LargeModelBatchRoundTripsItsThreeArraysAndNulls()
    {
        var batch = new LargeModelBatch([1f, 2f, 3f, 4f], [0.25f, 0.75f], null!, 1);
        var copy = Serializer.Deserialize<LargeModelBatch>(Serializer.SerializeToArray(batch))!;

        Assert.Equal(batch.Features, copy.Features);
        Assert.Equal(batch.Hints, copy.Hints);
        Assert.Null(copy.JudgeProbabilities);
        Assert.Equal(1, copy.Rows);
    }

    [Fact]
    public void TheSameArrayTwiceInOneMessageComesBackAsOneArray()
    {
        float[] shared = [1f, 2f];
        var copy = Serializer.Deserialize<LargeModelBatch>(Serializer.SerializeToArray(new LargeModelBatch(shared, shared, shared, 1)))!;

        Assert.Equal(shared, copy.Features);
        Assert.Same(copy.Features, copy.Hints);
        Assert.Same(copy.Features, copy.JudgeProbabilities);
    }

    [Fact]
    public void AFeatureBlockCutShortIsRefusedNotAllocated()
    {
        var bytes = Serializer.SerializeToArray(new ClassifyBatch(new float[1_000], 1));

        // Truncated: the declared length runs past the end of the message.
        Assert.ThrowsAny<Exception>(() => Serializer.Deserialize<ClassifyBatch>(bytes.AsSpan(0, bytes.Length / 2).ToArray()));
    }
}
