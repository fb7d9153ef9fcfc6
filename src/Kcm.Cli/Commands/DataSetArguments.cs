using System.CommandLine;
using System.Text;
using Kcm.Models.Sources;

namespace Kcm.Cli.Commands;

/// <summary>
/// The options that serve a user's data set instead of Fashion-MNIST (`kcm serve`, `kcm cluster up`): the labelled
/// file, its large ONNX model, optional calibration rows and label column. They become the silo settings
/// <c>Kcm:Embedded:TrainPath</c>, <c>LargeModelPath</c>, <c>CalibrationPath</c> and <c>LabelColumn</c> (paths made
/// absolute, since silo processes may start elsewhere), and the model is named after the file unless --model-name says.
/// </summary>
internal sealed class DataSetArguments
{
    public Option<string?> Data { get; } = new("--data")
    {
        Description = "A labelled data set to serve instead of Fashion-MNIST: CSV (.csv, .csv.gz), R (.rda, .RData) or IDX images (labels beside, MNIST naming). "
            + "The judge and small model are trained on it at first start (sizes from the data; features outside 0..1 scaled inside the models). Needs --large-model.",
    };

    public Option<string?> LargeModel { get; } = new("--large-model")
    {
        Description = "The data set's large model (ONNX: its rows' features in, logits out; an extra [N, classes] input is fed the small model's probabilities).",
    };

    public Option<string?> Calibration { get; } = new("--calibration")
    {
        Description = "Labelled rows the large model never trained on, to calibrate the threshold on (same formats); default: the last rows of --data, held out from training.",
    };

    public Option<string?> LabelColumn { get; } = new("--label-column")
    {
        Description = "The label column of --data and --calibration: a CSV column index (0 = first, -1 = last) or an R column name; default the first CSV column, the R factor column.",
    };

    public Option<string?> ModelName { get; } = new("--model-name")
    {
        Description = "The model's name in the routes and the Orleans client (default: the --data file's name without extension, fashion-mnist without --data).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(LargeModel);
        command.Options.Add(Calibration);
        command.Options.Add(LabelColumn);
        command.Options.Add(ModelName);
    }

    /// <summary>The silo settings the options give (none when no option is set).</summary>
    /// <exception cref="ArgumentException">--large-model, --calibration or --label-column without --data, or --data without --large-model, or a file that is not there.</exception>
    public IReadOnlyList<string> Settings(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var data = parse.GetValue(Data);
        var large = parse.GetValue(LargeModel);
        var calibration = parse.GetValue(Calibration);
        var label = parse.GetValue(LabelColumn);
        var settings = new List<string>();
        if (parse.GetValue(ModelName) is { Length: > 0 } name)
        {
            settings.Add("--Kcm:ModelName=" + name);
        }

        if (data is null)
        {
            if (large is not null || calibration is not null || label is not null)
            {
                throw new ArgumentException("--large-model, --calibration and --label-column describe a --data set; give --data too.");
            }

            return settings;
        }

        if (large is null)
        {
            throw new ArgumentException($"--data {data} needs --large-model: the data set's own ONNX model.");
        }

        settings.Add("--Kcm:Embedded:TrainPath=" + ExistingFile(data, "--data"));
        settings.Add("--Kcm:Embedded:LargeModelPath=" + ExistingFile(large, "--large-model"));
        if (calibration is not null)
        {
            settings.Add("--Kcm:Embedded:CalibrationPath=" + ExistingFile(calibration, "--calibration"));
        }

        if (label is not null)
        {
            settings.Add("--Kcm:Embedded:LabelColumn=" + label);
        }

        if (parse.GetValue(ModelName) is not { Length: > 0 })
        {
            settings.Add("--Kcm:ModelName=" + NameOf(data));
        }

        return settings;
    }

    /// <summary>A model name from a file name: "digits" for digits.csv.gz, lower case letters, digits and '-' only.</summary>
    internal static string NameOf(string path)
    {
        var name = Path.GetFileName(path);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var stem = dot > 0 ? name[..dot] : name;
        var builder = new StringBuilder(stem.Length);
        foreach (var c in stem.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var result = builder.ToString().Trim('-');
        return result.Length > 0 ? result : "data";
    }

    private static string ExistingFile(string path, string option)
    {
        var resolved = KcmPaths.Resolve(path);
        return File.Exists(resolved) ? resolved : throw new ArgumentException($"{option} {path}: no such file ({resolved}).");
    }
}
