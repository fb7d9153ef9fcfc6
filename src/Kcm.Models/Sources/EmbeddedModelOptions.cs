using Kcm.Onnx;

namespace Kcm.Models.Sources;

/// <summary>
/// Settings of the embedded pipeline (configuration section <c>Kcm:Embedded</c>): the labelled data set the judge and
/// first small model learn from at first start (then cached in the model store), Fashion-MNIST unless
/// <see cref="TrainPath"/> names another, the rows the threshold is calibrated on, and where the large model is.
/// </summary>
public sealed class EmbeddedModelOptions
{
    public const string SectionName = "Kcm:Embedded";

    /// <summary>The large model Fashion-MNIST is served with (ONNX, input [N,1,28,28] pixels/255, output logits [N,10]).</summary>
    public const string FashionMnistLargeModel = "models/fashion-cnn.onnx";

    /// <summary>
    /// The large model (ONNX: one input of the rows' features, in any shape of that size, and logits [N, classes] out);
    /// relative paths are under KCM_HOME (see <see cref="KcmPaths"/>). It fixes the class count.
    /// </summary>
    /// <value>Default "models/fashion-cnn.onnx" (Fashion-MNIST's; a <see cref="TrainPath"/> needs its own).</value>
    public string LargeModelPath { get; set; } = FashionMnistLargeModel;

    /// <summary>
    /// The labelled data set the judge and first small model learn from: a CSV file (.csv or .csv.gz), an R data file
    /// (.rda, .RData) or an IDX images file with its labels beside it (MNIST naming); relative paths are under KCM_HOME.
    /// Features outside 0..1 are min-max scaled inside the judge and small model (fitted on the seed rows and stored
    /// with them), so clients send rows as the file has them.
    /// </summary>
    /// <value>Default null: Fashion-MNIST's training images in <see cref="DataFolder"/>.</value>
    public string? TrainPath { get; set; }

    /// <summary>The label column of <see cref="TrainPath"/> and <see cref="CalibrationPath"/>: a CSV column index (0 = first, -1 = last) or an R column name.</summary>
    /// <value>Default null: a CSV's first column, an R data frame's factor column.</value>
    public string? LabelColumn { get; set; }

    /// <summary>
    /// Labelled rows the serving threshold is calibrated on; they must be rows the large model never trained on, or the
    /// promised share and accuracy are optimistic (same formats as <see cref="TrainPath"/>).
    /// </summary>
    /// <value>
    /// Default null: for Fashion-MNIST the last <see cref="CalibrationSamples"/> test images; for a <see cref="TrainPath"/>
    /// its last rows (up to <see cref="CalibrationSamples"/>, at most a fifth), held out from training, with a warning.
    /// </value>
    public string? CalibrationPath { get; set; }

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

    /// <summary>Labelled rows (the first ones of the training set) the judge and first small model learn from, at most.</summary>
    /// <value>Default 10,000; 100 to 60,000 (a smaller data set gives what it has after its check and calibration rows).</value>
    public int SeedSamples { get; set; } = 10_000;

    /// <summary>Training epochs of the judge and of the first small model.</summary>
    /// <value>Default null: from the data (<c>TrainingPlan</c>: about 1,500 steps, 12 to 200 epochs); else 1 to 200.</value>
    public int? Epochs { get; set; }

    /// <summary>Training rows (the last ones, outside the seed split) forming the check set of the distillation guard, at most.</summary>
    /// <value>Default 2,000; 100 to 10,000 (a smaller data set gives at most a fifth of its rows).</value>
    public int CheckSamples { get; set; } = 2_000;

    /// <summary>
    /// Test images (the last ones of the test set) the serving threshold is calibrated on: the large model trained on
    /// the whole training set, so only test rows are ones it never saw. The demo scores the test images before them.
    /// </summary>
    /// <value>Default 2,000; 50 to 5,000.</value>
    public int CalibrationSamples { get; set; } = 2_000;

    /// <summary>The confidence above which a teacher's (or the judge's) answer teaches in a distillation round (the paper's epsilon).</summary>
    /// <value>Default 0.98; strictly between 0 and 1.</value>
    public double TeacherConfidence { get; set; } = 0.98;

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

        if (TrainPath is { Length: 0 } || CalibrationPath is { Length: 0 } || LabelColumn is { Length: 0 })
        {
            problems.Add($"{SectionName}:{nameof(TrainPath)}, {nameof(CalibrationPath)} and {nameof(LabelColumn)} must be unset or not empty.");
        }

        if (TrainPath is not null && LargeModelPath == FashionMnistLargeModel)
        {
            problems.Add($"{SectionName}:{nameof(LargeModelPath)} must name the large model of the data set {TrainPath} (the default is Fashion-MNIST's).");
        }

        if (HintInputName is { Length: 0 })
        {
            problems.Add($"{SectionName}:{nameof(HintInputName)} must be unset or a name.");
        }

        Check(IntraOpThreads is >= 1 and <= 64, nameof(IntraOpThreads), "1 to 64", IntraOpThreads);
        // Threads are checked above, in this section's narrower range; the session options check the rest.
        problems.AddRange((SessionOptions() with { IntraOpThreads = 1 }).Problems($"{SectionName}:").Select(p => p + "."));
        Check(SeedSamples is >= 100 and <= 60_000, nameof(SeedSamples), "100 to 60000", SeedSamples);
        Check(Epochs is null or (>= 1 and <= 200), nameof(Epochs), "unset or 1 to 200", Epochs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset");
        Check(CheckSamples is >= 100 and <= 10_000, nameof(CheckSamples), "100 to 10000", CheckSamples);
        if (TrainPath is null && SeedSamples + CheckSamples > 60_000)
        {
            problems.Add($"{SectionName}:{nameof(SeedSamples)} + {nameof(CheckSamples)} must be at most 60000 (the check set is the end of the training set, outside the seed split).");
        }

        Check(CalibrationSamples is >= 50 and <= 5_000, nameof(CalibrationSamples), "50 to 5000", CalibrationSamples);
        Check(TeacherConfidence is > 0 and < 1, nameof(TeacherConfidence), "strictly between 0 and 1", TeacherConfidence);
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
