using Kcm.Testing;

namespace Kcm.Onnx.Tests;

public sealed class ErrorTests
{
    [Fact]
    public void Run_WrongInputElementCount_ThrowsNamingExpectedAndActual()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => session.Run(new float[7], 2, new float[6]));

        Assert.Equal("x", error.TensorName);
        Assert.Contains("8 floats", error.Message);
        Assert.Contains("got 7 floats", error.Message);
        AssertSessionStillWorks(session);
    }

    [Fact]
    public void Run_WrongOutputSpanLength_ThrowsNamingTheOutput()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => session.Run(new float[8], 2, new float[5]));

        Assert.Equal("probs", error.TensorName);
        Assert.Contains("6 floats", error.Expected);
        Assert.Contains("5 floats", error.Actual);
    }

    [Fact]
    public void Run_BatchOtherThanTheFixedOne_ThrowsNamingBothBatchSizes()
    {
        using var session = Fixtures.Load(Fixtures.FixedBatch);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => session.Run(new float[9], 3, new float[9]));

        Assert.Contains("batch size 2", error.Expected);
        Assert.Contains("batch size 3", error.Actual);
    }

    [Fact]
    public void Run_NamedInputWithWrongShape_ThrowsNamingDeclaredAndGivenShapes()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => session.Run(
            [OnnxInputTensor.Float("features", new float[8], 2, 4), OnnxInputTensor.Int64("ids", new long[4], 2, 2)]));

        Assert.Equal("features", error.TensorName);
        Assert.Equal("shape [batch, 3]", error.Expected);
        Assert.Equal("[2, 4]", error.Actual);
    }

    [Fact]
    public void Run_NamedInputWithWrongElementType_ThrowsNamingBothTypes()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);

        var error = Assert.Throws<OnnxTensorMismatchException>(() => session.Run(
            [OnnxInputTensor.Float("features", new float[3], 1, 3), OnnxInputTensor.Float("ids", new float[2], 1, 2)]));

        Assert.Equal("ids", error.TensorName);
        Assert.Contains("Int64", error.Expected);
        Assert.Equal("Float", error.Actual);
    }

    [Fact]
    public void Run_MissingOrUnknownNamedInput_Throws()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);

        var missing = Assert.Throws<OnnxTensorMismatchException>(() => session.Run([OnnxInputTensor.Float("features", new float[3], 1, 3)]));
        var unknown = Assert.Throws<OnnxTensorMismatchException>(() => session.Run([OnnxInputTensor.Float("nope", new float[3], 1, 3)]));

        Assert.Contains("no tensor for ids", missing.Message);
        Assert.Contains("features, ids", unknown.Expected);
    }

    [Fact]
    public void InputTensor_DataLengthNotMatchingShape_ThrowsNamingBothCounts()
    {
        var error = Assert.Throws<OnnxTensorMismatchException>(() => OnnxInputTensor.Float("x", new float[7], 2, 4));

        Assert.Contains("8 elements", error.Expected);
        Assert.Equal("7 elements", error.Actual);
    }

    [Fact]
    public void Load_MissingModelFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kcm-missing-{Guid.NewGuid():N}.onnx");

        var error = Assert.Throws<OnnxModelNotFoundException>(() => OnnxSession.Load(path, Fixtures.Options));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_CorruptModelFile_ThrowsWithOrtCodeAndMessage_AndTheProcessCarriesOn()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kcm-corrupt-{Guid.NewGuid():N}.onnx");
        var bytes = new byte[4096];
        new Random(1234).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        try
        {
            var error = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(path, Fixtures.Options));

            Assert.NotEqual(OnnxErrorCode.Ok, error.ErrorCode);
            Assert.False(string.IsNullOrWhiteSpace(error.NativeMessage));
            Assert.Contains(path, error.Message);
            using var healthy = Fixtures.Load(Fixtures.LinearSoftmax);
            AssertSessionStillWorks(healthy);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_CorruptModelBytes_ThrowsOnnxRuntimeException()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load("not a model at all"u8, Fixtures.Options));

        Assert.Equal("CreateSessionFromArray", error.Operation);
        Assert.NotEqual(OnnxErrorCode.Ok, error.ErrorCode);
    }

    [Fact]
    public void Load_WithNonexistentLibraryPath_ThrowsNotFoundListingThePathAndSetup()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"kcm-no-ort-{Guid.NewGuid():N}", "libonnxruntime.so.1");

        var error = Assert.Throws<OnnxRuntimeNotFoundException>(() => OnnxSession.Load(Fixtures.LinearSoftmax, new OnnxSessionOptions { LibraryPath = missing }));

        Assert.Contains(missing, error.Message);
        Assert.Contains("./kcm setup", error.Message);
        using var healthy = Fixtures.Load(Fixtures.LinearSoftmax);
        AssertSessionStillWorks(healthy);
    }

    [Fact]
    public void Resolver_NothingFound_ListsEveryPlaceItLooked()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), $"kcm-nowhere-{Guid.NewGuid():N}");
        var resolver = new OnnxRuntimeLibraryResolver(null, Path.Combine(nowhere, "env.so"), Path.Combine(nowhere, "home"), Path.Combine(nowhere, "app", "bin"));

        var error = Assert.Throws<OnnxRuntimeNotFoundException>(resolver.Resolve);

        Assert.Contains(Path.Combine(nowhere, "env.so"), error.Message);
        Assert.Contains(Path.Combine(nowhere, "home", OnnxRuntimeLibraryResolver.RelativeLibraryPath), error.Message);
        Assert.Contains(Path.Combine(nowhere, "app", "bin", OnnxRuntimeLibraryResolver.RelativeLibraryPath), error.Message);
        Assert.Contains(Path.Combine(nowhere, OnnxRuntimeLibraryResolver.RelativeLibraryPath), error.Message);
        Assert.Equal(resolver.Candidates.Count, error.Searched.Count);
    }

    [Fact]
    public void Resolver_ConfiguredPath_IsTheOnlyCandidate()
    {
        var resolver = new OnnxRuntimeLibraryResolver("/nonexistent/libonnxruntime.so.1", Fixtures.LibraryPath, RepositoryRoot.Path, RepositoryRoot.Path);

        var candidate = Assert.Single(resolver.Candidates);
        Assert.Equal("/nonexistent/libonnxruntime.so.1", candidate.Path);
        Assert.Throws<OnnxRuntimeNotFoundException>(resolver.Resolve);
    }

    [Fact]
    public void Resolver_EnvironmentVariableThenHomeThenParentFolders_InThatOrder()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), $"kcm-nowhere-{Guid.NewGuid():N}");
        var expected = RepositoryRoot.Combine(OnnxRuntimeLibraryResolver.RelativeLibraryPath);

        Assert.Equal(Fixtures.LibraryPath, new OnnxRuntimeLibraryResolver(null, Fixtures.LibraryPath, nowhere, nowhere).Resolve());
        Assert.Equal(expected, new OnnxRuntimeLibraryResolver(null, null, RepositoryRoot.Path, nowhere).Resolve());
        Assert.Equal(expected, new OnnxRuntimeLibraryResolver(null, Path.Combine(nowhere, "x.so"), null, RepositoryRoot.Combine("bench", "deep", "bin")).Resolve());
    }

    [Fact]
    public void Load_CudaRequestedOnCpuOnlyLibrary_FailsClearlyWithoutFallingBack()
    {
        var options = Fixtures.Options with { ExecutionProvider = OnnxExecutionProvider.Cuda };

        var error = Assert.Throws<OnnxProviderUnavailableException>(() => OnnxSession.Load(Fixtures.LinearSoftmax, options));

        Assert.Equal(OnnxExecutionProvider.Cuda, error.Provider);
        Assert.Contains("CUDA", error.Message);
        Assert.Contains("No CPU fallback", error.Message);
        Assert.Contains(Fixtures.LibraryPath, error.Message);

        // This npm build lists CUDA but cannot load its provider library here; either way ORT's reason is kept.
        if (error.InnerException is OnnxRuntimeException native)
        {
            Assert.Contains(native.NativeMessage, error.Message);
        }
        else
        {
            Assert.Contains("CPUExecutionProvider", error.Message);
        }
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
            LibraryPath = " ",
        };

        var error = Assert.Throws<OnnxOptionsException>(() => OnnxSession.Load(Fixtures.LinearSoftmax, options));

        Assert.Equal(5, error.Errors.Count);
        foreach (var field in new[] { "IntraOpThreads", "InterOpThreads", "GraphOptimization", "DeviceId", "LibraryPath" })
        {
            Assert.Contains(field, error.Message);
        }
    }

    private static void AssertSessionStillWorks(OnnxSession session)
    {
        var input = Fixtures.RandomInputs(4, seed: 5);
        var output = new float[3];
        session.Run(input, 1, output);
        Assert.Equal(1f, output.Sum(), 1e-5f);
    }
}
