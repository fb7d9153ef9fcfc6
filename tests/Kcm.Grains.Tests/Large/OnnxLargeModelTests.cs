using Kcm.Grains.Tests.Support;
using Kcm.Models.Large;
using Kcm.Onnx;
using Kcm.Testing;

namespace Kcm.Grains.Tests.Large;

/// <summary>
/// The large model finds its hint input in the ONNX graph (tests/Kcm.Silo.Tests/Fixtures/make_fixtures.py writes the
/// models: tiny_large_hint.onnx adds 100 x small_probs to its logits, so a hint shows in the answer).
/// </summary>
public sealed class OnnxLargeModelTests
{
    private static readonly string TwoCandidatesPath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_two_candidates.onnx");

    [Fact]
    public void Open_HintReadingModel_FindsTheHintInput_AndReadsTheHint()
    {
        using var model = new OnnxLargeModel(ServingCluster.LargeModelPath, new OnnxSessionOptions());
        Assert.Equal("small_probs", model.HintInputName);
        Assert.True(model.UsesHint);

        var logits = Run(model, hintClass: 3);
        Assert.Equal(3, IndexOfMax(logits));
    }

    [Fact]
    public void Open_UseHintFalse_FeedsAUniformHint()
    {
        using var plain = new OnnxLargeModel(ServingCluster.LargeModelPath, new OnnxSessionOptions(), useHint: false);
        Assert.Equal("small_probs", plain.HintInputName);
        Assert.False(plain.UsesHint);

        // A uniform hint adds 100 x 0.1 to every logit, whatever hint the caller passes.
        using var hinted = new OnnxLargeModel(ServingCluster.LargeModelPath, new OnnxSessionOptions());
        var uniform = Enumerable.Repeat(0.1f, 10).ToArray();
        var expected = new float[10];
        hinted.Run(Image(), uniform, 1, expected);
        Assert.Equal(expected, Run(plain, hintClass: 3));
        Assert.Equal(expected, Run(plain, hintClass: 7));
    }

    [Fact]
    public void Open_ModelWithoutHintInput_HasNoHint()
    {
        using var model = new OnnxLargeModel(RepositoryRoot.Combine("models", "fashion-cnn.onnx"), new OnnxSessionOptions());
        Assert.Null(model.HintInputName);
        Assert.False(model.UsesHint);
    }

    [Fact]
    public void Open_ShippedHintModel_FindsSmallProbs()
    {
        using var model = new OnnxLargeModel(RepositoryRoot.Combine("models", "fashion-hint-cnn.onnx"), new OnnxSessionOptions());
        Assert.Equal("small_probs", model.HintInputName);
        Assert.True(model.UsesHint);
    }

    [Fact]
    public void Open_ConfiguredNameTheModelLacks_Throws_ListingItsInputs()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnnxLargeModel(ServingCluster.LargeModelPath, new OnnxSessionOptions(), "hint"));
        Assert.Contains("image [N,1,28,28], small_probs [N,10]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TwoCandidates_AsksForTheName_AndServesOnceNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnnxLargeModel(TwoCandidatesPath, new OnnxSessionOptions()));
        Assert.Contains("Kcm:Embedded:HintInputName", error.Message, StringComparison.Ordinal);

        using var model = new OnnxLargeModel(TwoCandidatesPath, new OnnxSessionOptions(), "small_probs");
        Assert.Equal("small_probs", model.HintInputName);
        Assert.Equal(10, model.InputSize);
        var hint = new float[10];
        hint[6] = 1f;
        var logits = new float[10];
        model.Run(new float[10], hint, 1, logits);
        Assert.Equal(6, IndexOfMax(logits));
    }

    private static float[] Image() => [.. Enumerable.Range(0, 784).Select(i => (i * 37 % 256) / 255f)];

    private static float[] Run(OnnxLargeModel model, int hintClass)
    {
        var hint = new float[10];
        hint[hintClass] = 1f;
        var logits = new float[10];
        model.Run(Image(), hint, 1, logits);
        return logits;
    }

    private static int IndexOfMax(float[] values) => Array.IndexOf(values, values.Max());
}
