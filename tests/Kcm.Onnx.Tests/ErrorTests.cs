using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx.Tests;

public sealed class ErrorTests
{
    [Fact]
    public void Run_WrongInputElementCount_ThrowsNamingExpectedAndActual()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => runner.Run(new float[7], 2, new float[6]));

        Assert.Equal("x", error.TensorName);
        Assert.Contains("8 floats", error.Message);
        Assert.Contains("got 7 floats", error.Message);
        AssertRunnerStillWorks(runner);
    }

    [Fact]
    public void Run_WrongOutputSpanLength_ThrowsNamingTheOutput()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => runner.Run(new float[8], 2, new float[5]));

        Assert.Equal("probs", error.TensorName);
        Assert.Contains("6 floats", error.Expected);
        Assert.Contains("5 floats", error.Actual);
    }

    [Fact]
    public void Run_BatchOtherThanTheFixedOne_ThrowsNamingBothBatchSizes()
    {
        using var session = Fixtures.Load(Fixtures.FixedBatch);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => runner.Run(new float[9], 3, new float[9]));

        Assert.Contains("batch size 2", error.Expected);
        Assert.Contains("batch size 3", error.Actual);
    }

    [Fact]
    public void Run_NonPositiveBatch_IsRefused()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run([], 0, []));
    }

    [Fact]
    public void Run_OneSpanOnATwoInputRunner_SaysWhichRunToCall()
    {
        using var session = Fixtures.Load(Fixtures.Hinted);
        using var runner = new OnnxBatchRunner(session, ["x", "hint"], "logits");

        var error = Assert.Throws<InvalidOperationException>(() => runner.Run(new float[4], 1, new float[3]));

        Assert.Contains("2 input(s) (x, hint)", error.Message);
    }

    [Fact]
    public void Runner_ModelWithAnInt64Input_IsRefusedNamingTheType()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => new OnnxBatchRunner(session, ["features", "ids"], "scaled"));

        Assert.Equal("ids", error.TensorName);
        Assert.Equal("Int64 [batch, 2]", error.Actual);
    }

    [Fact]
    public void Runner_MissingOrUnknownInputOrOutput_IsRefused()
    {
        using var session = Fixtures.Load(Fixtures.Hinted);

        var missing = Assert.Throws<OnnxTensorMismatchException>(() => new OnnxBatchRunner(session, ["x"], "logits"));
        var unknown = Assert.Throws<OnnxTensorMismatchException>(() => new OnnxBatchRunner(session, ["x", "nope"], "logits"));
        var noOutput = Assert.Throws<OnnxTensorMismatchException>(() => new OnnxBatchRunner(session, ["x", "hint"], "probs"));

        Assert.Contains("no tensor for hint", missing.Message);
        Assert.Contains("x, hint", missing.Expected);
        Assert.Equal("hint", unknown.TensorName);
        Assert.Equal("no such output", noOutput.Actual);
    }

    [Fact]
    public void SingleTensorRunner_ModelWithTwoInputs_IsRefusedCountingThem()
    {
        using var session = Fixtures.Load(Fixtures.Hinted);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => OnnxBatchRunner.ForSingleTensor(session));

        Assert.Contains("2 inputs (x, hint)", error.Actual);
    }

    [Fact]
    public void Runner_SecondDynamicDimension_IsRefusedSayingSo()
    {
        using var session = Fixtures.Load(Fixtures.Symbolic);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => OnnxBatchRunner.ForSingleTensor(session));

        Assert.Equal("tokens", error.TensorName);
        Assert.Contains("dynamic dimension besides the batch", error.Message);
        Assert.Contains("[batch, seq]", error.Actual);
    }

    [Fact]
    public void Load_MissingModelFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kcm-missing-{Guid.NewGuid():N}.onnx");

        var error = Assert.Throws<OnnxModelNotFoundException>(() => OnnxSessionLoader.Load(path, Fixtures.Options));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_CorruptModelFile_ThrowsOrtsErrorNamingTheFile_AndTheProcessCarriesOn()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kcm-corrupt-{Guid.NewGuid():N}.onnx");
        var bytes = new byte[4096];
        new Random(1234).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        try
        {
            var error = Assert.Throws<OnnxRuntimeException>(() => OnnxSessionLoader.Load(path, Fixtures.Options));

            Assert.Contains(path, error.Message);
            using var healthy = Fixtures.Load(Fixtures.LinearSoftmax);
            using var runner = OnnxBatchRunner.ForSingleTensor(healthy);
            AssertRunnerStillWorks(runner);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_CorruptModelBytes_ThrowsOrtsError()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => OnnxSessionLoader.Load("not a model at all"u8.ToArray(), Fixtures.Options));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Load_CudaRequestedWithTheCpuFlavour_FailsAtOnceNamingTheGpuBuild_WithoutFallingBack()
    {
        var options = Fixtures.Options with { ExecutionProvider = OnnxExecutionProvider.Cuda, DeviceId = 1 };

        var error = Assert.Throws<OnnxProviderUnavailableException>(() => OnnxSessionLoader.Load(Fixtures.LinearSoftmax, options));

        Assert.Equal(OnnxExecutionProvider.Cuda, error.Provider);
        Assert.Contains("providers: CPUExecutionProvider", error.Message);
        Assert.Contains("device 1", error.Message);
        Assert.Contains("CPU flavour", error.Message);
        Assert.Contains("-p:KcmOnnxRuntime=gpu", error.Message);
        Assert.Contains("No CPU fallback", error.Message);
    }

    [Fact]
    public void Validate_SeveralBadFields_ReportsEachOneInOneException()
    {
        var options = new OnnxSessionOptions
        {
            IntraOpThreads = -1,
            InterOpThreads = 1000,
            GraphOptimization = (OnnxGraphOptimizationLevel)5,
            DeviceId = 2,
        };

        var error = Assert.Throws<OnnxOptionsException>(() => OnnxSessionLoader.Load(Fixtures.LinearSoftmax, options));

        Assert.Equal(4, error.Errors.Count);
        foreach (var field in new[] { "IntraOpThreads", "InterOpThreads", "GraphOptimization", "DeviceId" })
        {
            Assert.Contains(field, error.Message);
        }
    }

    [Fact]
    public void Problems_WithAPrefix_NameTheConfigurationKey()
    {
        var problems = new OnnxSessionOptions { ExecutionProvider = (OnnxExecutionProvider)7 }.Problems("Kcm:Embedded:");

        Assert.StartsWith("Kcm:Embedded:ExecutionProvider must be one of Cpu, Cuda", Assert.Single(problems));
    }

    private static void AssertRunnerStillWorks(OnnxBatchRunner runner)
    {
        var input = Fixtures.RandomInputs(4, seed: 5);
        var output = new float[3];
        runner.Run(input, 1, output);
        Assert.Equal(1f, output.Sum(), 1e-5f);
    }
}
