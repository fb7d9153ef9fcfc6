using Microsoft.ML.OnnxRuntime;

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
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        var input = Fixtures.RandomInputs(batch * 4, seed: batch);
        var output = new float[batch * 3];

        runner.Run(input, batch, output);

        var expected = Fixtures.LinearSoftmaxExpected(input, batch);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], output[i], 1e-5f);
        }
    }

    [Fact]
    public void Run_TwoFloatInputs_FeedsEachToItsNamedInput()
    {
        using var session = Fixtures.Load(Fixtures.Hinted);
        using var runner = new OnnxBatchRunner(session, ["x", "hint"], "logits");
        const int Batch = 5;
        var x = Fixtures.RandomInputs(Batch * 4, seed: 11);
        var hint = Fixtures.RandomInputs(Batch * 3, seed: 12);
        var output = new float[Batch * 3];

        runner.Run(x, hint, Batch, output);

        var expected = Fixtures.HintedExpected(x, hint, Batch);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], output[i], 1e-5f);
        }
    }

    [Fact]
    public void Run_InputsNamedInTheOtherOrder_StillReachTheirInputs()
    {
        using var session = Fixtures.Load(Fixtures.Hinted);
        using var runner = new OnnxBatchRunner(session, ["hint", "x"], "logits");
        var x = Fixtures.RandomInputs(2 * 4, seed: 21);
        var hint = Fixtures.RandomInputs(2 * 3, seed: 22);
        var output = new float[2 * 3];

        runner.Run(hint, x, 2, output);

        Assert.Equal(Fixtures.HintedExpected(x, hint, 2)[5], output[5], 1e-5f);
    }

    [Fact]
    public void Run_BatchSizesUpAndDown_EachGiveTheirOwnRows()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        // 3, then a larger batch (the buffers grow), then back to smaller sizes already bound and not yet bound.
        foreach (var batch in (int[])[3, 200, 3, 1, 150])
        {
            var input = Fixtures.RandomInputs(batch * 4, seed: 1000 + batch);
            var output = new float[batch * 3];
            runner.Run(input, batch, output);

            var expected = Fixtures.LinearSoftmaxExpected(input, batch);
            Assert.Equal(expected[^1], output[^1], 1e-5f);
            Assert.Equal(expected[0], output[0], 1e-5f);
        }
    }

    [Fact]
    public void Run_FixedBatchModel_AppliesRelu()
    {
        using var session = Fixtures.Load(Fixtures.FixedBatch);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        float[] input = [-1, 2, -3, 4, -5, 6];
        var output = new float[6];

        runner.Run(input, 2, output);

        Assert.Equal([0f, 2f, 0f, 4f, 0f, 6f], output);
    }

    [Fact]
    public void Run_AgreesWithThePackagesOwnRunOverOrtValues()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        var input = Fixtures.RandomInputs(9 * 4, seed: 9);
        var viaRunner = new float[9 * 3];

        runner.Run(input, 9, viaRunner);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [9, 4]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [value], ["probs"]);

        Assert.Equal(outputs[0].GetTensorDataAsSpan<float>().ToArray(), viaRunner);
    }

    [Fact]
    public void Load_FromBytes_GivesTheSameOutputsAsFromFile()
    {
        using var fromFile = Fixtures.Load(Fixtures.LinearSoftmax);
        using var fromBytes = OnnxSessionLoader.Load(File.ReadAllBytes(Fixtures.LinearSoftmax), Fixtures.Options);
        using var fileRunner = OnnxBatchRunner.ForSingleTensor(fromFile);
        using var bytesRunner = OnnxBatchRunner.ForSingleTensor(fromBytes);
        var input = Fixtures.RandomInputs(5 * 4, seed: 42);
        var a = new float[15];
        var b = new float[15];

        fileRunner.Run(input, 5, a);
        bytesRunner.Run(input, 5, b);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Load_WithEveryGraphOptimizationLevelAndParallelExecution_GivesTheSameOutputs()
    {
        var input = Fixtures.RandomInputs(6 * 4, seed: 6);
        var expected = Fixtures.LinearSoftmaxExpected(input, 6);
        foreach (var level in Enum.GetValues<OnnxGraphOptimizationLevel>())
        {
            var options = new OnnxSessionOptions { GraphOptimization = level, ParallelExecution = true, InterOpThreads = 2, IntraOpThreads = 2 };
            using var session = OnnxSessionLoader.Load(Fixtures.LinearSoftmax, options);
            using var runner = OnnxBatchRunner.ForSingleTensor(session);
            var output = new float[6 * 3];

            runner.Run(input, 6, output);

            Assert.Equal(expected[4], output[4], 1e-5f);
        }
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        var runner = OnnxBatchRunner.ForSingleTensor(session);
        runner.Run(new float[4], 1, new float[3]);
        runner.Dispose();

        Assert.Throws<ObjectDisposedException>(() => runner.Run(new float[4], 1, new float[3]));
    }
}
