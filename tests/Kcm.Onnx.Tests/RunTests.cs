namespace Kcm.Onnx.Tests;

public sealed class RunTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Run_SingleTensor_MatchesSoftmaxOfLinearLayerComputedInCSharp(int batch)
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        var input = Fixtures.RandomInputs(batch * 4, seed: batch);
        var output = new float[batch * 3];

        session.Run(input, batch, output);

        var expected = Fixtures.LinearSoftmaxExpected(input, batch);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], output[i], 1e-5f);
        }
    }

    [Fact]
    public void Run_NamedFloatAndInt64Inputs_ReturnsEveryOutputWithItsShape()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);
        float[] features = [1.5f, -2f, 3f, 0.25f, 4f, -8f];
        long[] ids = [7, 11, 123456789, -3];

        var outputs = session.Run(
        [
            OnnxInputTensor.Float("features", features, 2, 3),
            OnnxInputTensor.Int64("ids", ids, 2, 2),
        ]);

        Assert.Equal(["mixed", "scaled"], outputs.Select(o => o.Name));
        Assert.Equal([2L, 5L], outputs[0].Shape);
        Assert.Equal([1.5f, -2f, 3f, 7f, 11f, 0.25f, 4f, -8f, 123456789f, -3f], outputs[0].Values);
        Assert.Equal([2L, 3L], outputs[1].Shape);
        Assert.Equal(features.Select(f => f * 2).ToArray(), outputs[1].Values);
    }

    [Fact]
    public void Run_NamedInputsInAnyOrderWithOneRequestedOutput_ReturnsOnlyThatOutput()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);

        var outputs = session.Run(
            [OnnxInputTensor.Int64("ids", new long[] { 1, 2 }, 1, 2), OnnxInputTensor.Float("features", new float[] { 3, 4, 5 }, 1, 3)],
            ["scaled"]);

        var scaled = Assert.Single(outputs);
        Assert.Equal("scaled", scaled.Name);
        Assert.Equal([6f, 8f, 10f], scaled.Values);
    }

    [Fact]
    public void Run_SymbolicModelWithTwoDynamicDimensions_FollowsTheInputShape()
    {
        using var session = Fixtures.Load(Fixtures.Symbolic);
        var tokens = Fixtures.RandomInputs(3 * 5, seed: 3);

        var doubled = Assert.Single(session.Run([OnnxInputTensor.Float("tokens", tokens, 3, 5)]));

        Assert.Equal([3L, 5L], doubled.Shape);
        Assert.Equal(tokens.Select(t => t + t).ToArray(), doubled.Values);
    }

    [Fact]
    public void Run_FixedBatchModel_AppliesRelu()
    {
        using var session = Fixtures.Load(Fixtures.FixedBatch);
        float[] input = [-1, 2, -3, 4, -5, 6];
        var output = new float[6];

        session.Run(input, 2, output);

        Assert.Equal([0f, 2f, 0f, 4f, 0f, 6f], output);
    }

    [Fact]
    public void Load_FromBytes_GivesTheSameOutputsAsFromFile()
    {
        using var fromFile = Fixtures.Load(Fixtures.LinearSoftmax);
        using var fromBytes = OnnxSession.Load(File.ReadAllBytes(Fixtures.LinearSoftmax), Fixtures.Options);
        var input = Fixtures.RandomInputs(5 * 4, seed: 42);
        var a = new float[15];
        var b = new float[15];

        fromFile.Run(input, 5, a);
        fromBytes.Run(input, 5, b);

        Assert.Null(fromBytes.ModelPath);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Run_SingleTensorAndNamedPaths_Agree()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        var input = Fixtures.RandomInputs(9 * 4, seed: 9);
        var single = new float[9 * 3];

        session.Run(input, 9, single);
        var named = Assert.Single(session.Run([OnnxInputTensor.Float("x", input, 9, 4)]));

        Assert.Equal(single, named.Values);
        Assert.Equal([9L, 3L], named.Shape);
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        var session = Fixtures.Load(Fixtures.LinearSoftmax);
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run(new float[4], 1, new float[3]));
    }
}
