namespace Kcm.Onnx.Tests;

public sealed class MetadataTests
{
    [Fact]
    public void Load_LinearSoftmax_ReportsNamesTypesAndDynamicBatch()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);

        var input = Assert.Single(session.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal(OnnxElementType.Float, input.ElementType);
        Assert.Equal([-1L, 4L], input.Shape);
        Assert.Equal(["batch", ""], input.SymbolicDimensions);
        var output = Assert.Single(session.Outputs);
        Assert.Equal("probs", output.Name);
        Assert.Equal([-1L, 3L], output.Shape);
        Assert.Equal("[batch, 3]", output.FormatShape());
        Assert.True(session.SupportsSingleTensorRun);
        Assert.Equal(4, session.SampleInputLength);
        Assert.Equal(3, session.SampleOutputLength);
    }

    [Fact]
    public void Load_TwoInputs_ReportsFloatAndInt64Inputs()
    {
        using var session = Fixtures.Load(Fixtures.TwoInputs);

        Assert.Equal(["features", "ids"], session.Inputs.Select(i => i.Name));
        Assert.Equal([OnnxElementType.Float, OnnxElementType.Int64], session.Inputs.Select(i => i.ElementType));
        Assert.Equal(["mixed", "scaled"], session.Outputs.Select(o => o.Name));
        Assert.False(session.SupportsSingleTensorRun);
    }

    [Fact]
    public void Load_SymbolicModel_ReportsEverySymbolicDimensionName()
    {
        using var session = Fixtures.Load(Fixtures.Symbolic);

        var input = Assert.Single(session.Inputs);
        Assert.Equal([-1L, -1L], input.Shape);
        Assert.Equal(["batch", "seq"], input.SymbolicDimensions);
        Assert.False(session.SupportsSingleTensorRun);
        var error = Assert.Throws<InvalidOperationException>(() => session.Run(new float[4], 1, new float[4]));
        Assert.Contains("dynamic dimension besides the batch", error.Message);
    }

    [Fact]
    public void Load_FixedBatchModel_ReportsFixedDimensionsWithoutNames()
    {
        using var session = Fixtures.Load(Fixtures.FixedBatch);

        var input = Assert.Single(session.Inputs);
        Assert.Equal([2L, 3L], input.Shape);
        Assert.Equal(["", ""], input.SymbolicDimensions);
    }

    [Fact]
    public void Runtime_AfterLoad_ReportsVersionPathAndCpuProvider()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);

        Assert.Equal("1.30.0", session.Runtime.Version);
        Assert.Equal(Fixtures.LibraryPath, session.Runtime.LibraryPath);
        Assert.Contains("CPUExecutionProvider", session.Runtime.AvailableProviders);
        Assert.Equal(Fixtures.LinearSoftmax, session.ModelPath);
    }
}
