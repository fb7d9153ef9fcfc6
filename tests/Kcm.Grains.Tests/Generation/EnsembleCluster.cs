using System.Diagnostics;
using System.Globalization;
using Kcm.DeePEn.Ensemble;
using Kcm.Grains.Generation;
using Kcm.Placement;
using Kcm.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace Kcm.Grains.Tests.Generation;

/// <summary>
/// A real two-silo Orleans cluster: silo 0 cpu (the only gateway, so it places every client call, and configured
/// without a manifest), silo 1 gpu serving the State of the Union ensemble through <see cref="EnsembleSiloBuilderExtensions.AddKcmEnsemble"/>.
/// The models are copied first, so the silo and the tests' references load the same files even while a training job
/// rewrites models/sotu-*; the manifest has no adaptive weights, so mode "adapt" is unavailable here.
/// </summary>
public sealed class EnsembleCluster : IAsyncLifetime
{
    public const string Model = "sotu-test";
    public const int MaxConcurrentGenerations = 2;
    public const int MaxQueuedGenerations = 0;

    private static readonly string[] Members = ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"];
    private static readonly string[] RolesPerSilo = [SiloRoles.Cpu, SiloRoles.Gpu];
    private InProcessTestCluster? _cluster;
    private EnsemblePool? _reference;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kcm-grains-ensemble-" + Guid.NewGuid().ToString("N"));

    public string ManifestPath => Path.Combine(Folder, "ensemble.json");

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public IClusterClient Client => Cluster.Client;

    public InProcessSiloHandle GpuSilo => Cluster.Silos.Single(silo => silo.InstanceNumber == 1);

    /// <summary>The same ensemble loaded straight through Kcm.DeePEn, outside any grain (the reference).</summary>
    public EnsemblePool Reference => _reference ?? throw new InvalidOperationException("Not started.");

    /// <summary>The gpu silo's loaded ensemble (its slot counters).</summary>
    public LoadedEnsemble Ensemble => GpuSilo.ServiceProvider.GetRequiredService<LoadedEnsemble>();

    public async Task InitializeAsync()
    {
        foreach (var member in Members)
        {
            var target = Directory.CreateDirectory(Path.Combine(Folder, member)).FullName;
            foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("models", member)))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        File.WriteAllText(ManifestPath, $$"""{ "name": "{{Model}}", "members": ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"], "main": "sotu-sp2k" }""");

        _reference = EnsemblePool.Load(ManifestPath, new Kcm.Onnx.OnnxSessionOptions { IntraOpThreads = 1 });

        var builder = new InProcessTestClusterBuilder((short)RolesPerSilo.Length);
        // Without this the test cluster assumes homogeneous silos and Orleans skips placement filters altogether.
        builder.Options.AssumeHomogenousSilosForTesting = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Options.GatewayPerSilo = false;
        builder.ConfigureSilo((options, silo) =>
        {
            var instance = options.SiloName == Silo.PrimarySiloName ? 0 : int.Parse(options.SiloName[(options.SiloName.LastIndexOf('_') + 1)..], CultureInfo.InvariantCulture);
            silo.AddKcmPlacement(RolesPerSilo[instance]);
            silo.AddKcmEnsemble(Configuration(RolesPerSilo[instance] == SiloRoles.Gpu ? ManifestPath : null));
            // Keep idle stateless workers, so the management grain still lists the activations the tests made.
            silo.Services.Configure<StatelessWorkerOptions>(workers => workers.RemoveIdleWorkers = false);
        });

        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await _cluster.WaitForClusterManifestToStabilizeAsync();
        await WaitForSiloMetadataAsync(_cluster);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _reference?.Dispose();

        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Waits until <see cref="LoadedEnsemble.ActiveGenerations"/> on the gpu silo is 0 (true) or 10 s passed (false).</summary>
    public async Task<bool> IdleAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        while (Ensemble.ActiveGenerations != 0 || Ensemble.QueuedGenerations != 0)
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    private static IConfiguration Configuration(string? manifest)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kcm:Ensemble:MaxConcurrentGenerations"] = MaxConcurrentGenerations.ToString(CultureInfo.InvariantCulture),
            ["Kcm:Ensemble:MaxQueuedGenerations"] = MaxQueuedGenerations.ToString(CultureInfo.InvariantCulture),
            // Built in memory: nothing written beside the working folder.
            ["Kcm:Ensemble:RelativeCachePath"] = "",
        };
        if (manifest is not null)
        {
            settings["Kcm:Ensemble:Manifest"] = manifest;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    // A silo's metadata cache fills in from membership updates after the silo starts; until silo 0 knows silo 1's
    // roles, the gpu filter would (rightly) find no gpu silo.
    private static async Task WaitForSiloMetadataAsync(InProcessTestCluster cluster)
    {
        var stopwatch = Stopwatch.StartNew();
        while (cluster.Silos.Any(silo => cluster.Silos.Any(other =>
                   !silo.ServiceProvider.GetRequiredService<ISiloMetadataCache>().GetSiloMetadata(other.SiloAddress).Metadata.ContainsKey(SiloRoles.MetadataKey))))
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException("Silo metadata did not spread within 20 s.");
            }

            await Task.Delay(50);
        }
    }
}
