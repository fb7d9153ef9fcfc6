using System.Xml.Linq;
using Kcm.Testing;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx.Tests;

public sealed class MetadataTests
{
    [Fact]
    public void Runner_LinearSoftmax_ReadsSampleLengthsAndDynamicBatch()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        Assert.Equal(["x"], runner.InputNames);
        Assert.Equal("probs", runner.OutputName);
        Assert.Equal(4, runner.SampleInputLength);
        Assert.Equal(3, runner.SampleOutputLength);
        Assert.Equal(-1, runner.FixedBatch);
        Assert.Equal("[batch, 4]", OnnxShape.Format(session.InputMetadata["x"]));
        Assert.Equal("[batch, 3]", OnnxShape.Format(session.OutputMetadata["probs"]));
    }

    [Fact]
    public void Runner_TwoInputs_ReadsEachInputsSampleLength()
    {
        using var session = Fixtures.Load(Fixtures.Hinted);
        using var runner = new OnnxBatchRunner(session, ["hint", "x"], "logits");

        Assert.Equal(3, runner.SampleLengthOf(0));
        Assert.Equal(4, runner.SampleLengthOf(1));
        Assert.Equal(3, runner.SampleOutputLength);
    }

    [Fact]
    public void Runner_FixedBatchModel_ReadsTheFixedBatch()
    {
        using var session = Fixtures.Load(Fixtures.FixedBatch);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        Assert.Equal(2, runner.FixedBatch);
        Assert.Equal(3, runner.SampleInputLength);
        Assert.Equal("[2, 3]", OnnxShape.Format(session.InputMetadata["x"]));
    }

    [Fact]
    public void Format_SymbolicModel_ShowsEverySymbolicDimensionName()
    {
        using var session = Fixtures.Load(Fixtures.Symbolic);

        Assert.Equal("[batch, seq]", OnnxShape.Format(session.InputMetadata["tokens"]));
        Assert.Equal("[3, 5]", OnnxShape.Format([3L, 5L]));
    }

    [Fact]
    public void Runtime_IsThePinnedPackageVersion_WithTheCpuProvider()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        var pinned = XDocument.Load(RepositoryRoot.Combine("Directory.Packages.props")).Descendants("PackageVersion")
            .Single(p => (string?)p.Attribute("Include") == "Microsoft.ML.OnnxRuntime").Attribute("Version")!.Value;

        Assert.Equal(pinned, OrtEnv.Instance().GetVersionString());
        Assert.Contains("CPUExecutionProvider", OrtEnv.Instance().GetAvailableProviders());
    }
}
