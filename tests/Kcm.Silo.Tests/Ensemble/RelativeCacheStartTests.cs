using Kcm.Client;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>
/// The ensemble's relative matrices at start: written to Kcm:Ensemble:RelativeCachePath and mapped from there, or,
/// when that folder cannot be written (a read-only root file system without the volume), built in memory without
/// failing the start.
/// </summary>
public sealed class RelativeCacheStartTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Start_WithAWritableOrUnwritableCache_ServesTheSameTokens(bool writable)
    {
        var folder = Directory.CreateTempSubdirectory("kcm-ensemble-cache-").FullName;
        try
        {
            EnsembleSilo.CopyModels(folder);
            var manifest = Path.Combine(folder, "ensemble.json");
            File.WriteAllText(manifest, """{ "name": "cached", "members": ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"], "main": "sotu-sp2k" }""");

            // A regular file where the cache folder should be: creating the folder fails as on a read-only file system.
            var cache = Path.Combine(folder, "relative-cache");
            if (!writable)
            {
                File.WriteAllText(cache, "not a folder");
            }

            var settings = new Dictionary<string, string>(EnsembleSilo.Settings(manifest)) { ["Kcm:Ensemble:RelativeCachePath"] = cache };
            await using var silo = await TestSilo.StartAsync(settings);
            using var client = new KcmClient(silo.Host.Addresses[0], new KcmClientOptions { MaxRetries = 0 });
            var request = new GenerateRequest("The state of our Union is", MaxTokens: 6, Mode: GenerationModes.Sparse);

            var streamed = await GenerationStreams.ReadAsync(client, "cached", request);

            using var reference = Kcm.DeePEn.Ensemble.EnsemblePool.Load(manifest, EnsembleSilo.OnnxOptions);
            var expected = reference.CreateDecoder(Kcm.DeePEn.Ensemble.EnsembleMode.Sparse).Generate("The state of our Union is", 6);
            Assert.Equal(expected.Tokens, streamed.TokenIds);
            if (writable)
            {
                var files = Directory.GetFiles(Path.Combine(cache, "cached"), "*.kcmrel");
                Assert.Equal(6, files.Length); // dense and sparse for each of the three members
            }
            else
            {
                Assert.True(File.Exists(cache) && !Directory.Exists(cache));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
