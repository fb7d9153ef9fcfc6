namespace Kcm.Silo.Tests.Support;

/// <summary>
/// The embedded pipeline in a shape that starts in seconds: a judge and small model trained at first start on 2,000
/// Fashion-MNIST images for one epoch, and a tiny ONNX large model (Fixtures/tiny_large_hint.onnx) that reads the
/// small model's probabilities as its hint, on real ONNX Runtime.
/// </summary>
internal static class QuickModels
{
    public const string LargeModelFile = "tiny_large_hint.onnx";
    /// <summary>The large model's hint input, found in its graph (no Kcm:Embedded:HintInputName needed).</summary>
    public const string HintInput = "small_probs";

    public static string LargeModelPath => Path.Combine(AppContext.BaseDirectory, "Fixtures", LargeModelFile);

    /// <summary>The configuration, as command-line arguments.</summary>
    public static IEnumerable<string> Arguments(string executionProvider = "Cpu") =>
    [
        "--Kcm:Embedded:LargeModelPath=" + LargeModelPath,
        "--Kcm:Embedded:SeedSamples=2000",
        "--Kcm:Embedded:Epochs=1",
        "--Kcm:Embedded:CheckSamples=500",
        "--Kcm:Embedded:ExecutionProvider=" + executionProvider,
        // The paper's fixed 0.98, so the tests know the threshold before the models exist (calibration has its own tests).
        "--Kcm:Calibration:Rule=FixedEpsilon",
        "--Kcm:Distillation:Enabled=false",
    ];
}
