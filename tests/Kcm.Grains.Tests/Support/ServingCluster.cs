using Kcm.Grains.Hosting;
using Kcm.Grains.Registry;
using Kcm.Grains.Serving;
using Kcm.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Kcm.Grains.Tests.Support;

/// <summary>
/// A real two-silo Orleans cluster in this process: Silo_0 has roles gpu and distiller (judge, large model, teacher
/// queue, distillation, seeding), Silo_1 role cpu. Tiny models: the tiny hint-reading ONNX large model, and a judge and
/// small model trained on 300 Fashion-MNIST images for one epoch (cached in <see cref="TestModelStore"/>).
/// </summary>
public sealed class ServingCluster : IAsyncDisposable
{
    public const string Model = "fashion-test";

    private ServingCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    /// <summary>The tiny large model's path.</summary>
    public static string LargeModelPath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_large_hint.onnx");

    /// <summary>The settings every test silo starts with; <paramref name="overrides"/> replace or add keys (a null value removes one).</summary>
    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kcm:ModelName"] = Model,
            ["Kcm:StorePath"] = TestModelStore.Root,
            ["Kcm:KeepVersions"] = "50",
            ["Kcm:Calibration:Rule"] = "FixedEpsilon",
            ["Kcm:Calibration:Epsilon"] = "0.9",
            ["Kcm:PollMilliseconds"] = "500",
            ["Kcm:ResubscribeSeconds"] = "60",
            ["Kcm:Distillation:Enabled"] = "false",
            ["Kcm:Embedded:LargeModelPath"] = LargeModelPath,
            ["Kcm:Embedded:SeedSamples"] = "300",
            ["Kcm:Embedded:CheckSamples"] = "200",
            ["Kcm:Embedded:Epochs"] = "1",
            ["Kcm:Embedded:ReplayRecords"] = "0",
            ["Kcm:Embedded:TrainingThreads"] = "2",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            // null removes the key: the option's own default.
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    /// <summary>
    /// Starts the cluster and (unless told not to) waits until both silos are ready. <paramref name="configureServices"/>
    /// and <paramref name="configureSilo"/> run on each silo before <c>AddKcmServing</c> (e.g. a reminder service);
    /// <paramref name="configureNamedSilo"/> too, given the silo's name (Silo_0, Silo_1). <paramref name="roles"/> maps a
    /// silo's name to its roles (default: Silo_0 gpu and distiller, Silo_1 cpu).
    /// </summary>
    public static async Task<ServingCluster> StartAsync(
        SharedGrainRecords records,
        IReadOnlyDictionary<string, string?>? overrides = null,
        bool waitUntilReady = true,
        Action<IServiceCollection>? configureServices = null,
        Action<ISiloBuilder>? configureSilo = null,
        Func<string, string>? roles = null,
        Action<string, ISiloBuilder>? configureNamedSilo = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(overrides)).Build();
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((silo, siloBuilder) =>
        {
            siloBuilder.AddKcmPlacement(roles?.Invoke(silo.SiloName) ?? (silo.SiloName == "Silo_0" ? $"{SiloRoles.Gpu},{SiloRoles.Distiller}" : SiloRoles.Cpu));
            configureServices?.Invoke(siloBuilder.Services);
            configureSilo?.Invoke(siloBuilder);
            configureNamedSilo?.Invoke(silo.SiloName, siloBuilder);
            siloBuilder.AddKcmServing(configuration);
            siloBuilder.Services.AddGrainStorage(ServingStorage.Name, (sp, _) => new SharedGrainStorage(records, sp.GetRequiredService<Serializer>()));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var serving = new ServingCluster(cluster);
        if (!waitUntilReady)
        {
            return serving;
        }

        try
        {
            await serving.WaitUntilAsync(s => s.GetRequiredService<ServingReadiness>().IsReady, TimeSpan.FromSeconds(90), "every silo ready");
        }
        catch
        {
            await serving.DisposeAsync();
            throw;
        }

        return serving;
    }

    /// <summary>The gpu silo's and the cpu silo's services.</summary>
    public IServiceProvider Services(int silo) => Cluster.GetSiloServiceProvider(Cluster.Silos.Single(s => s.Name == $"Silo_{silo}").SiloAddress);

    public SiloAddress Address(int silo) => Cluster.Silos.Single(s => s.Name == $"Silo_{silo}").SiloAddress;

    /// <summary>The serving version each silo holds now.</summary>
    public int[] ServingVersions() => [.. Enumerable.Range(0, 2).Select(i => Services(i).GetRequiredService<ServingSnapshotHolder>().Current?.Version.Version ?? 0)];

    public ServingVersionFollower Follower(int silo) => Services(silo).GetRequiredService<ServingVersionFollower>();

    /// <summary>Waits until <paramref name="condition"/> holds on every silo; throws naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<IServiceProvider, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Cluster.Silos.All(s => condition(Cluster.GetSiloServiceProvider(s.SiloAddress))))
        {
            if (DateTime.UtcNow > deadline)
            {
                var failure = Cluster.Silos.Select(s => Cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<ServingReadiness>().Failure?.Message).FirstOrDefault(m => m is not null);
                throw new TimeoutException($"Not {what} within {timeout.TotalSeconds} s. {failure}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
