using Kcm.Models.Sources;

namespace Kcm.Cli.Demo;

/// <summary>What the demo runs: the seed split, the live traffic, the client's batching and the distillation cadence.</summary>
internal sealed record DemoOptions
{
    /// <summary>
    /// Labelled training images (the first ones) the judge and first small model learn from; the rest of the
    /// training set is unlabelled traffic, from which distillation improves both.
    /// </summary>
    public int SeedSize { get; init; } = 10_000;

    /// <summary>Unlabelled training images streamed after the seed split as live traffic.</summary>
    public int Traffic { get; init; } = 50_000;

    /// <summary>Waves the traffic is sent in; between waves the demo waits for the distiller to use what the wave taught.</summary>
    public int Waves { get; init; } = 5;

    /// <summary>
    /// Test images scored at the end (the first ones of the test set): at most those before the silo's calibration rows
    /// (the last <see cref="EmbeddedModelOptions.CalibrationSamples"/>), so the figures are not scored on the rows the
    /// threshold was chosen on.
    /// </summary>
    public int TestSize { get; init; } = MaxTestSize;

    /// <summary>The test images not used for calibration.</summary>
    public static int MaxTestSize { get; } = 10_000 - new EmbeddedModelOptions().CalibrationSamples;

    /// <summary>Samples per infer request.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Requests the client keeps in flight.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Epochs of the judge and first small model.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Large-model answers that trigger a distillation round.</summary>
    public int RecordsPerRound { get; init; } = 4_000;

    /// <summary>Where the JSON copy of the report goes; null means .kcm/demo-&lt;time&gt;.json under the repository.</summary>
    public string? JsonPath { get; init; }

    /// <summary>The model store; null means a fresh temporary folder, deleted afterwards.</summary>
    public string? StorePath { get; init; }

    /// <summary>
    /// A labelled data set of the user's to serve instead of Fashion-MNIST (CSV, R or IDX; <see cref="DemoData"/>):
    /// <see cref="SeedSize"/>, <see cref="Traffic"/>, <see cref="TestSize"/> and <see cref="Epochs"/> then come from the file.
    /// </summary>
    public string? DataPath { get; init; }

    /// <summary>The large ONNX model of <see cref="DataPath"/>.</summary>
    public string? LargeModelPath { get; init; }

    /// <summary>The label column of <see cref="DataPath"/> (CSV index, -1 = last; R name).</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Whether the demo runs on the local Orleans cluster of silo processes (kcm cluster up) instead of an embedded silo.</summary>
    public bool Cluster { get; init; }

    /// <summary>Silo processes of the cluster started for the demo (<see cref="Cluster"/>, when none runs): half gpu, half cpu,distiller.</summary>
    public int Silos { get; init; } = Kcm.Cli.Cluster.ClusterPlan.DefaultSilos;

    /// <summary>The settings of --quick: the same phases on a small scale, well under a minute on two cores.</summary>
    public static DemoOptions Quick { get; } = new()
    {
        SeedSize = 3_000, Traffic = 9_000, TestSize = 2_000, Epochs = 2, RecordsPerRound = 2_000, Waves = 2,
    };

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (DataPath is null)
        {
            Check(SeedSize is >= 100 and <= 59_000, "--seed-size", "100 to 59000", SeedSize);
            Check(Traffic >= 1 && SeedSize + Traffic <= 60_000, "--traffic", $"1 to {60_000 - SeedSize} (60000 minus --seed-size)", Traffic);
            Check(TestSize >= 1 && TestSize <= MaxTestSize, "--test-size", $"1 to {MaxTestSize} (the last test images calibrate the threshold)", TestSize);
        }

        if ((DataPath is null) != (LargeModelPath is null) || (DataPath is null && LabelColumn is not null))
        {
            problems.Add("--data and --large-model go together (the data set and its own ONNX model); --label-column needs --data.");
        }
        Check(Batch is >= 1 and <= 256, "--batch", "1 to 256", Batch);
        Check(Waves is >= 1 and <= 100, "--waves", "1 to 100", Waves);
        Check(Concurrency is >= 1 and <= 64, "--concurrency", "1 to 64", Concurrency);
        Check(Epochs is >= 1 and <= 100, "--epochs", "1 to 100", Epochs);
        Check(Silos is >= 1 and <= Kcm.Cli.Cluster.ClusterPlan.MaxSilos, "--silos", $"1 to {Kcm.Cli.Cluster.ClusterPlan.MaxSilos}", Silos);
        Check(RecordsPerRound is >= 100 and <= 1_000_000, "--records-per-round", "100 to 1000000", RecordsPerRound);
        if (JsonPath is { Length: 0 })
        {
            problems.Add("--json must be a file path when given.");
        }

        if (Cluster && StorePath is not null)
        {
            problems.Add("--store cannot be combined with --cluster: the cluster's silos keep the model versions in their storage account (Azurite's blobs).");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid demo options: " + string.Join(" ", problems));
        }

        void Check(bool valid, string field, string range, int value)
        {
            if (!valid)
            {
                problems.Add($"{field} must be {range} (was {value}).");
            }
        }
    }
}
