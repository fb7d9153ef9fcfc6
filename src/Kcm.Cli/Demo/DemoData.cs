using System.Globalization;
using Kcm.Cli.Commands;
using Kcm.Core.Data;
using Kcm.Models.Sources;

namespace Kcm.Cli.Demo;

/// <summary>
/// What the demo serves: Fashion-MNIST (the seed split of the training images, the traffic after it, the test images
/// before the silo's calibration rows, the shipped large model checked against its card), or a user's labelled file
/// (<see cref="DemoOptions.DataPath"/>) split as the silo splits it (<see cref="ServingData"/>: calibration rows at the
/// end, then the check rows) with the rows before them shared 40 % seed, 40 % traffic, 20 % test.
/// </summary>
internal sealed record DemoData(
    string Source, string ModelName, string LargeModelPath, bool HasCard, int SeedRows, Dataset Traffic, Dataset Test, Dataset LargeModelRows, int MinRecords,
    string[] SiloSettings)
{
    public static DemoData Load(DemoOptions options)
    {
        if (options.DataPath is null)
        {
            var train = FashionMnist.LoadTrain();
            var test = FashionMnist.LoadTest();
            return new DemoData(
                "Fashion-MNIST", "fashion-mnist", KcmPaths.Resolve(EmbeddedModelOptions.FashionMnistLargeModel), true, options.SeedSize,
                train.Slice(options.SeedSize, options.Traffic), test.Slice(0, options.TestSize), test, Math.Min(100, options.RecordsPerRound),
                [Setting("Kcm:Embedded:SeedSamples", options.SeedSize), Setting("Kcm:Embedded:Epochs", options.Epochs)]);
        }

        var path = KcmPaths.Resolve(options.DataPath);
        var large = KcmPaths.Resolve(options.LargeModelPath!);
        var data = DatasetFiles.Load(path, null, options.LabelColumn);
        // The rows before the ones the silo will hold out to calibrate and check.
        var (_, _, usable) = ServingData.HeldOutRows(data.Count, new EmbeddedModelOptions());
        var seed = usable * 2 / 5;
        var traffic = usable * 2 / 5;
        var name = DataSetArguments.NameOf(path);
        string[] settings =
        [
            "--Kcm:ModelName=" + name,
            "--Kcm:Embedded:TrainPath=" + path,
            "--Kcm:Embedded:LargeModelPath=" + large,
            .. options.LabelColumn is { } label ? ["--Kcm:Embedded:LabelColumn=" + label] : Array.Empty<string>(),
            // Epochs and sizes come from the data.
            Setting("Kcm:Embedded:SeedSamples", seed),
        ];
        var testRows = data.Slice(seed + traffic, usable - seed - traffic);
        // A round on a tenth of the traffic's rows: a small file's traffic is far below a Fashion-MNIST round.
        var minRecords = Math.Min(Math.Max(10, traffic / 10), options.RecordsPerRound);
        return new DemoData(Path.GetFileName(path), name, large, false, seed, data.Slice(seed, traffic), testRows, testRows, minRecords, settings);
    }

    private static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");
}
