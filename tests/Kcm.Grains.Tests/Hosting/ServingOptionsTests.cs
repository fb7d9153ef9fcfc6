using Kcm.Grains.Hosting;
using Kcm.Onnx;
using Microsoft.Extensions.Configuration;

namespace Kcm.Grains.Tests.Hosting;

public sealed class ServingOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndKeepAsManyStoredVersionsAsTheRegistryRemembers()
    {
        var options = new ServingOptions();

        options.Validate();

        Assert.True(options.KeepVersions >= options.HistoryLength);
    }

    [Fact]
    public void KeepVersions_BelowHistoryLength_IsRefusedByName()
    {
        // A rollback to a version whose weights the store pruned would be refused by every silo.
        var options = new ServingOptions { KeepVersions = 5, HistoryLength = 20 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Kcm:KeepVersions", error.Message, StringComparison.Ordinal);
        Assert.Contains("HistoryLength", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryBadField_IsNamedInOneException()
    {
        var options = new ServingOptions { MaxBatchSize = 0, PollMilliseconds = 1 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Kcm:MaxBatchSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:PollMilliseconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CalibrationSettings_NameEveryBadField_AndTheToleranceIsInPoints()
    {
        var options = new Kcm.Models.Sources.ThresholdCalibrationOptions { TolerancePoints = -1, Budget = 2, Epsilon = 1, Score = (Kcm.Core.Routing.ServingScore)7 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Kcm:Calibration:TolerancePoints", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Calibration:Budget", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Calibration:Epsilon", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Calibration:Score must be JudgeMaxSoftmax, JudgeAgreement or Ensemble (was 7)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0.001, new Kcm.Models.Sources.ThresholdCalibrationOptions().Parameter, 12);
        Assert.Equal("budget 0.3", new Kcm.Models.Sources.ThresholdCalibrationOptions { Rule = Kcm.Core.Routing.CalibrationRule.LargeBudget }.Describe());
        Assert.Equal("tolerance 0.1 points on Ensemble", new Kcm.Models.Sources.ThresholdCalibrationOptions { Score = Kcm.Core.Routing.ServingScore.Ensemble }.Describe());
    }

    [Fact]
    public void BadScheduleAndLedgerSettings_AreEachNamed()
    {
        var options = new ServingOptions();
        options.Distillation.CheckSeconds = 0;
        options.Distillation.LedgerRetentionSeconds = 0;
        options.Distillation.LedgerMinRounds = 0;
        options.Distillation.LedgerMaxRecordIds = options.Distillation.RecordsPerRound - 1; // the newest round must always fit

        var error = Assert.Throws<ArgumentException>(options.Validate);

        foreach (var field in new[] { "CheckSeconds", "LedgerRetentionSeconds", "LedgerMinRounds", "LedgerMaxRecordIds" })
        {
            Assert.Contains($"Kcm:Distillation:{field}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void InferencePaths_BindFromLowerCaseNames_AndDefaultToCSharpOnTheCpu()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kcm:Inference:Judge"] = "onnx",
            ["Kcm:Inference:ExecutionProvider"] = "Cuda",
        }).Build();

        var options = configuration.GetSection(ServingOptions.SectionName).Get<ServingOptions>()!;
        options.Validate();

        Assert.Equal(ClassifierEngine.Onnx, options.Inference.Judge);
        Assert.Equal(ClassifierEngine.CSharp, options.Inference.SmallModel);
        Assert.Equal(ClassifierEngine.CSharp, new ServingOptions().Inference.Judge);
        // The configured provider applies on gpu silos only; elsewhere the ONNX path runs on the CPU.
        Assert.Equal(OnnxExecutionProvider.Cuda, options.Inference.SessionOptions(gpuSilo: true).ExecutionProvider);
        Assert.Equal(OnnxExecutionProvider.Cpu, options.Inference.SessionOptions(gpuSilo: false).ExecutionProvider);
    }

    [Fact]
    public void BadInferenceSettings_AreEachNamed()
    {
        var options = new ServingOptions();
        options.Inference.Judge = (ClassifierEngine)7;
        options.Inference.IntraOpThreads = 0;
        options.Inference.DeviceId = 1; // a CUDA device with the CPU provider

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Kcm:Inference:Judge must be csharp or onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Inference:IntraOpThreads must be 1 to 64", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Inference:DeviceId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaForTheInferencePath_WithBothModelsInCSharp_IsRefused()
    {
        // Asking for CUDA and getting the C# path on the CPU would be a silent fallback.
        var options = new ServingOptions();
        options.Inference.ExecutionProvider = OnnxExecutionProvider.Cuda;

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Kcm:Inference:ExecutionProvider Cuda applies only to the ONNX path", error.Message, StringComparison.Ordinal);
    }
}
