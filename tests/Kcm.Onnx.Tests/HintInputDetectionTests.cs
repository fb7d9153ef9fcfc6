namespace Kcm.Onnx.Tests;

/// <summary>Which graph input is the hint, from the inputs' names and shapes alone.</summary>
public sealed class HintInputDetectionTests
{
    private static readonly GraphInput Image = new("image", [-1, 1, 28, 28], true);
    private static readonly GraphInput Hint = new("small_probs", [-1, 10], true);

    [Fact]
    public void Choose_OneInput_IsTheImage_NoHint()
    {
        Assert.Equal(new HintInputChoice("image", null), HintInputDetection.Choose("m.onnx", [Image], 10, null));
    }

    [Fact]
    public void Choose_OneExtraInputOfTheHintsShape_IsTheHint_InEitherOrder()
    {
        Assert.Equal(new HintInputChoice("image", "small_probs"), HintInputDetection.Choose("m.onnx", [Image, Hint], 10, null));
        Assert.Equal(new HintInputChoice("image", "small_probs"), HintInputDetection.Choose("m.onnx", [Hint, Image], 10, null));
    }

    [Fact]
    public void Choose_AFixedBatchHint_IsTheHint()
    {
        Assert.Equal(
            new HintInputChoice("image", "p"), HintInputDetection.Choose("m.onnx", [new GraphInput("image", [4, 784], true), new GraphInput("p", [4, 10], true)], 10, null));
    }

    [Fact]
    public void Choose_ConfiguredName_IsTheHint()
    {
        Assert.Equal(new HintInputChoice("image", "small_probs"), HintInputDetection.Choose("m.onnx", [Image, Hint], 10, "small_probs"));
    }

    [Fact]
    public void Choose_ConfiguredNameTheGraphDoesNotDeclare_Throws_ListingTheInputs()
    {
        var error = Assert.Throws<ArgumentException>(() => HintInputDetection.Choose("m.onnx", [Image, Hint], 10, "hint"));
        Assert.Contains("Kcm:Embedded:HintInputName is hint", error.Message, StringComparison.Ordinal);
        Assert.Contains("image [N,1,28,28], small_probs [N,10]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_ConfiguredNameOnAModelWithoutHintInput_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => HintInputDetection.Choose("m.onnx", [Image], 10, "small_probs"));
        Assert.Contains("image [N,1,28,28]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_ConfiguredInputOfAnotherShape_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => HintInputDetection.Choose("m.onnx", [Image, new GraphInput("small_probs", [-1, 5], true)], 10, "small_probs"));
        Assert.Contains("small_probs [N,5]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_SeveralCandidates_Throws_AskingForTheName()
    {
        var features = new GraphInput("features", [-1, 10], true);
        var error = Assert.Throws<ArgumentException>(() => HintInputDetection.Choose("m.onnx", [features, Hint], 10, null));
        Assert.Contains("name the one that does (Kcm:Embedded:HintInputName when serving)", error.Message, StringComparison.Ordinal);
        Assert.Contains("features [N,10], small_probs [N,10]", error.Message, StringComparison.Ordinal);

        // Named, the same model is served.
        Assert.Equal(new HintInputChoice("features", "small_probs"), HintInputDetection.Choose("m.onnx", [features, Hint], 10, "small_probs"));
    }

    [Fact]
    public void Choose_AnExtraInputThatIsNoHint_Throws()
    {
        Assert.Throws<InvalidDataException>(() => HintInputDetection.Choose("m.onnx", [Image, new GraphInput("mask", [-1, 5], true)], 10, null));
        Assert.Throws<InvalidDataException>(() => HintInputDetection.Choose("m.onnx", [Image, new GraphInput("ids", [-1, 10], false)], 10, null));
    }

    [Fact]
    public void Choose_AHintBesideTwoOtherInputs_Throws()
    {
        var error = Assert.Throws<InvalidDataException>(() => HintInputDetection.Choose("m.onnx", [Image, Hint, new GraphInput("mask", [-1, 5], true)], 10, null));
        Assert.Contains("one image input besides the hint input small_probs", error.Message, StringComparison.Ordinal);
    }
}
