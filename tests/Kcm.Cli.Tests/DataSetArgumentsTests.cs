using System.CommandLine;
using Kcm.Cli.Commands;
using Kcm.Testing;

namespace Kcm.Cli.Tests;

/// <summary>`kcm serve` and `kcm cluster up` serve a user's data set from --data and --large-model: the silo settings they become, and the refusals.</summary>
public sealed class DataSetArgumentsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kcm-data-args-").FullName;

    [Fact]
    public void DataAndItsModel_BecomeAbsoluteSiloSettings_AndNameTheModelAfterTheFile()
    {
        var data = Touch("digits.csv.gz");
        var calibration = Touch("held-out.csv");

        var settings = Settings(["--data", data, "--large-model", RepositoryRoot.Combine("models", "digits-mlp.onnx"), "--calibration", calibration, "--label-column", "-1"]);

        Assert.Equal(
            [
                "--Kcm:Embedded:TrainPath=" + data,
                "--Kcm:Embedded:LargeModelPath=" + RepositoryRoot.Combine("models", "digits-mlp.onnx"),
                "--Kcm:Embedded:CalibrationPath=" + calibration,
                "--Kcm:Embedded:LabelColumn=-1",
                "--Kcm:ModelName=digits",
            ],
            settings);
    }

    [Fact]
    public void NoData_GivesNoSettings_AndAModelNameOnlyWhenAsked()
    {
        Assert.Empty(Settings([]));
        Assert.Equal(["--Kcm:ModelName=shop"], Settings(["--model-name", "shop"]));
    }

    [Theory]
    [InlineData("--large-model")]
    [InlineData("--calibration")]
    [InlineData("--label-column")]
    public void AnOptionOfADataSet_WithoutData_IsRefused(string option)
    {
        var error = Assert.Throws<ArgumentException>(() => Settings([option, "x"]));

        Assert.Contains("--data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataWithoutItsModel_OrAMissingFile_IsRefused()
    {
        var data = Touch("rows.csv");

        Assert.Contains("--large-model", Assert.Throws<ArgumentException>(() => Settings(["--data", data])).Message, StringComparison.Ordinal);
        Assert.Contains("no such file", Assert.Throws<ArgumentException>(() => Settings(["--data", data, "--large-model", Path.Combine(_folder, "none.onnx")])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_RefusesDataWithoutItsModel_BeforeStartingAnything()
    {
        var exit = await ServeCommand.Create().Parse(["--data", Touch("rows.csv")]).InvokeAsync();

        Assert.Equal(2, exit);
    }

    [Theory]
    [InlineData("digits.csv.gz", "digits")]
    [InlineData("/data/My Shop_2026.rda", "my-shop-2026")]
    [InlineData("train-images-idx3-ubyte", "train-images-idx3-ubyte")]
    public void TheModelName_ComesFromTheFileName(string path, string name) => Assert.Equal(name, DataSetArguments.NameOf(path));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Touch(string name)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, "0,1\n");
        return path;
    }

    private static IReadOnlyList<string> Settings(string[] args)
    {
        var arguments = new DataSetArguments();
        var command = new Command("test") { TreatUnmatchedTokensAsErrors = false };
        arguments.AddTo(command);
        return arguments.Settings(command.Parse(args));
    }
}
