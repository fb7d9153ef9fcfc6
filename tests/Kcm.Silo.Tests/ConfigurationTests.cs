using Kcm.Onnx;
using Kcm.Silo.Embedded;
using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Silo.Tests;

[Collection(SerialCollection.Name)]
public sealed class ConfigurationTests
{
    [Fact]
    public void Create_SeveralInvalidSettings_OneErrorNamingEachField()
    {
        var error = Assert.Throws<ArgumentException>(() => SiloHost.Create(
            [
                "--Kcm:DefaultThreshold=1.5",
                "--Kcm:MaxBatchSize=0",
                "--Kcm:AdminToken=short",
                "--Kcm:LargePool:QueueCapacity=0",
                "--Kcm:Distillation:MinRecords=0",
            ],
            builder => builder.Services.AddSingleton<IServingModelSource>(new TestModelSource([], new NextGenerationTrainer()))));

        foreach (var field in new[] { "Kcm:DefaultThreshold", "Kcm:MaxBatchSize", "Kcm:AdminToken", "Kcm:LargePool:QueueCapacity", "Kcm:Distillation:MinRecords" })
        {
            Assert.Contains(field, error.Message);
        }
    }

    [Fact]
    public void EmbeddedOnnxSettings_BindFromConfiguration_AndBadOnesAreNamed()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kcm:Embedded:ExecutionProvider"] = "Cuda",
            ["Kcm:Embedded:DeviceId"] = "1",
            ["Kcm:Embedded:IntraOpThreads"] = "2",
            ["Kcm:Embedded:GraphOptimization"] = "Basic",
        }).Build();

        var options = configuration.GetSection(EmbeddedModelOptions.SectionName).Get<EmbeddedModelOptions>()!;
        var session = options.SessionOptions();

        Assert.Equal(new OnnxSessionOptions { ExecutionProvider = OnnxExecutionProvider.Cuda, DeviceId = 1, IntraOpThreads = 2, GraphOptimization = OnnxGraphOptimizationLevel.Basic }, session);
        var error = Assert.Throws<ArgumentException>(new EmbeddedModelOptions { DeviceId = 1, IntraOpThreads = 0, GraphOptimization = (OnnxGraphOptimizationLevel)7 }.Validate);
        Assert.Contains("Kcm:Embedded:DeviceId applies only to Cuda", error.Message);
        Assert.Contains("Kcm:Embedded:GraphOptimization must be one of", error.Message);
        Assert.Contains("Kcm:Embedded:IntraOpThreads must be 1 to 64", error.Message);
    }

    [Fact]
    public async Task Create_EnvironmentVariable_OverridesDefault()
    {
        Environment.SetEnvironmentVariable("Kcm__RoutingWindowSeconds", "17");
        try
        {
            await using var silo = SiloHost.Create([], builder => builder.Services.AddSingleton<IServingModelSource>(new TestModelSource([], new NextGenerationTrainer())));

            Assert.Equal(17, silo.Options.RoutingWindowSeconds);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Kcm__RoutingWindowSeconds", null);
        }
    }
}
