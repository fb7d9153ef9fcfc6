using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>A configured ensemble that does not load stops the silo's start with a message naming the manifest.</summary>
public sealed class EnsembleStartTests
{
    [Theory]
    [InlineData("missing")]
    [InlineData("not-json")]
    [InlineData("missing-member")]
    public async Task Start_BadManifest_FailsWithEnsembleStartExceptionNamingIt(string kind)
    {
        var folder = Directory.CreateTempSubdirectory("kcm-bad-ensemble-").FullName;
        var manifest = Path.Combine(folder, "ensemble.json");
        switch (kind)
        {
            case "not-json":
                File.WriteAllText(manifest, "{ members: ");
                break;
            case "missing-member":
                File.WriteAllText(manifest, """{ "name": "bad", "members": ["a", "b"], "main": "a" }""");
                break;
        }

        try
        {
            await using var silo = SiloHost.Create(
                ["--urls=http://127.0.0.1:0", "--Kcm:StorePath=" + Path.Combine(folder, "store"), "--Kcm:Ensemble:Manifest=" + manifest],
                builder =>
                {
                    builder.Logging.ClearProviders();
                    builder.Services.AddSingleton<IServingModelSource>(new TestModelSource([], new NextGenerationTrainer()));
                });

            var error = await Assert.ThrowsAsync<EnsembleStartException>(() => silo.StartAsync());

            Assert.Contains("Kcm:Ensemble:Manifest", error.Message, StringComparison.Ordinal);
            Assert.Contains(manifest, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Create_InvalidEnsembleSettings_OneErrorNamingEachField()
    {
        var error = Assert.Throws<ArgumentException>(() => SiloHost.Create(
            ["--Kcm:Ensemble:MaxConcurrentGenerations=0", "--Kcm:Ensemble:MaxQueuedGenerations=-1", "--Kcm:Ensemble:QueueTimeoutMilliseconds=0"],
            builder => builder.Services.AddSingleton<IServingModelSource>(new TestModelSource([], new NextGenerationTrainer()))));

        foreach (var field in new[] { "Kcm:Ensemble:MaxConcurrentGenerations", "Kcm:Ensemble:MaxQueuedGenerations", "Kcm:Ensemble:QueueTimeoutMilliseconds" })
        {
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }
    }
}
