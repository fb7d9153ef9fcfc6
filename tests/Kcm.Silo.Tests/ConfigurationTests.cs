using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
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
