using Kcm.Onnx;

namespace Kcm.Models.Sources;

/// <summary>
/// Settings of the embedded Fashion-MNIST pipeline (configuration section <c>Kcm:Embedded</c>): where the large model
/// is, and how the judge and first small model are trained at first start (then cached in the model store).
/// </summary>
public sealed class FashionMnistModelOptions
{
    public const string SectionName = "Kcm:Embedded";

    /// <summary>The large model (ONNX, input [N,1,28,28] pixels/255, output logits [N,10]); relative paths are under KCM_HOME (see <see cref="KcmPaths"/>).</summary>
    /// <value>Default "models/fashion-cnn.onnx".</value>
    public string LargeModelPath { get; set; } = "models/fashion-cnn.onnx";

    /// <summary>
    /// The large model's input that takes the small model's probabilities. Needed only when the model declares several
    /// inputs of the hint's shape [N,classes] besides its image input; otherwise the hint input is found in the graph
    /// (the one extra input [N,classes]), and a model with a single input reads no hint. A name the model does not
    /// declare fails at start, listing the model's inputs.
    /// </summary>
    /// <value>Default null (detected).</value>
    public string? HintInputName { get; set; }

    /// <summary>
    /// Whether a hint-reading large model gets the small model's probabilities. False gives its hint input a uniform
    /// row (1/classes each: "no opinion") instead, for A/B runs of the same model with and without the hint; the
    /// responses then say <c>"hint": "unused"</c>. No effect on a model without a hint input.
    /// </summary>
    /// <value>Default true.</value>
    public bool UseHint { get; set; } = true;

    /// <summary>
    /// Where the large model runs: Cpu, or Cuda on GPU nodes (needs the GPU flavour build; fails at start with a clear
    /// message where the CUDA provider, its libraries or a GPU are absent; never falls back to CPU).
    /// </summary>
    /// <value>Default Cpu.</value>
    public OnnxExecutionProvider ExecutionProvider { get; set; } = OnnxExecutionProvider.Cpu;

    /// <summary>The CUDA device the large model runs on (only with <see cref="ExecutionProvider"/> Cuda).</summary>
    /// <value>Default 0.</value>
    public int DeviceId { get; set; }

    /// <summary>ONNX Runtime intra-op threads per large model session.</summary>
    /// <value>Default 1; 1 to 64.</value>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>ONNX Runtime's graph rewrites when the large model loads: Disabled, Basic, Extended or All.</summary>
    /// <value>Default All.</value>
    public OnnxGraphOptimizationLevel GraphOptimization { get; set; } = OnnxGraphOptimizationLevel.All;

    /// <summary>Labelled training images (the first ones of the training set) the judge and first small model learn from.</summary>
    /// <value>Default 10,000; 100 to 60,000.</value>
    public int SeedSamples { get; set; } = 10_000;

    /// <summary>Training epochs of the judge and of the first small model.</summary>
    /// <value>Default 3; 1 to 100.</value>
    public int Epochs { get; set; } = 3;

    /// <summary>Training images (the last ones, outside the seed split) forming the check set of the distillation guard.</summary>
    /// <value>Default 2,000; 100 to 10,000.</value>
    public int CheckSamples { get; set; } = 2_000;

    /// <summary>Recent teacher records every distillation round trains on, with the labelled seed rows (label term only).</summary>
    /// <value>Default 24,000; 0 to 1,000,000 (0: each round's records alone).</value>
    public int ReplayRecords { get; set; } = 24_000;

    /// <summary>Check-set accuracy a distilled candidate may lose and still be accepted (a fraction: 0.003 = 0.3 points).</summary>
    /// <value>Default 0.003; 0 to 0.1.</value>
    public double GuardTolerance { get; set; } = 0.003;

    /// <summary>Training threads.</summary>
    /// <value>Default 2; 1 to 64.</value>
    public int TrainingThreads { get; set; } = 2;

    /// <summary>Seed of every training run, so a first start is reproducible.</summary>
    public int Seed { get; set; } = 7;

    /// <summary>Where Fashion-MNIST's IDX files are (Debian's dataset-fashion-mnist, installed by ./kcm setup).</summary>
    /// <value>Default "/usr/share/datasets/fashion-mnist".</value>
    public string DataFolder { get; set; } = Kcm.Core.Data.FashionMnist.DefaultFolder;

    /// <summary>The large model's ONNX Runtime session options.</summary>
    public OnnxSessionOptions SessionOptions() => new()
    {
        IntraOpThreads = IntraOpThreads, GraphOptimization = GraphOptimization, ExecutionProvider = ExecutionProvider, DeviceId = DeviceId,
    };

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(LargeModelPath))
        {
            problems.Add($"{SectionName}:{nameof(LargeModelPath)} must not be empty.");
        }

        if (HintInputName is { Length: 0 })
        {
            problems.Add($"{SectionName}:{nameof(HintInputName)} must be unset or a name.");
        }

        Check(IntraOpThreads is >= 1 and <= 64, nameof(IntraOpThreads), "1 to 64", IntraOpThreads);
        // Threads are checked above, in this section's narrower range; the session options check the rest.
        problems.AddRange((SessionOptions() with { IntraOpThreads = 1 }).Problems($"{SectionName}:").Select(p => p + "."));
        Check(SeedSamples is >= 100 and <= 60_000, nameof(SeedSamples), "100 to 60000", SeedSamples);
        Check(Epochs is >= 1 and <= 100, nameof(Epochs), "1 to 100", Epochs);
        Check(CheckSamples is >= 100 and <= 10_000, nameof(CheckSamples), "100 to 10000", CheckSamples);
        if (SeedSamples + CheckSamples > 60_000)
        {
            problems.Add($"{SectionName}:{nameof(SeedSamples)} + {nameof(CheckSamples)} must be at most 60000 (the check set is the end of the training set, outside the seed split).");
        }

        Check(TrainingThreads is >= 1 and <= 64, nameof(TrainingThreads), "1 to 64", TrainingThreads);
        Check(ReplayRecords is >= 0 and <= 1_000_000, nameof(ReplayRecords), "0 to 1000000", ReplayRecords);
        Check(GuardTolerance is >= 0 and <= 0.1, nameof(GuardTolerance), "0 to 0.1", GuardTolerance);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid embedded model configuration: " + string.Join(" ", problems));
        }

        void Check(bool valid, string field, string range, object value)
        {
            if (!valid)
            {
                problems.Add($"{SectionName}:{field} must be {range} (was {value}).");
            }
        }
    }
}
