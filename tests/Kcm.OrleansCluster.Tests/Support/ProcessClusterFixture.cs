using System.Collections.Concurrent;
using Kcm.Client;
using Kcm.Core.Data;
using Kcm.Silo.Hosting;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>
/// One Orleans cluster shared by the fault tests: a real Azurite, two <c>cpu,distiller</c> and two <c>gpu</c> silo
/// processes on it (the first distiller alone first: it trains and publishes the first models into the shared store),
/// and an Orleans client (the Kcm.Client SDK) with every silo's gateway. Tests kill silos; <see cref="EnsureAllRunningAsync"/>
/// brings them back on their ports, and the fixture remembers every kill, so the membership test can tell a
/// killed silo from a live one declared dead.
/// </summary>
public sealed class ProcessClusterFixture : IAsyncLifetime
{
    public const string AdminToken = "cluster-test-admin-token";

    /// <summary>How long one silo may take to become ready on a loaded 2-core machine.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    /// <summary>How many clients the load tests run (the bounded load).</summary>
    public const int LoadClients = 8;

    private readonly ConcurrentQueue<string> _kills = new();
    private readonly List<IHost> _clientHosts = [];

    public AzuriteServer Azurite { get; private set; } = null!;

    public string Folder { get; } = Directory.CreateTempSubdirectory("kcm-orleans-cluster-").FullName;

    public string Store => Path.Combine(Folder, "store");

    public List<SiloProcess> Silos { get; } = [];

    /// <summary>An Orleans client (the Kcm.Client SDK) with every silo's gateway.</summary>
    public KcmClient Client => Clients[0];

    /// <summary><see cref="LoadClients"/> clients, each its own connection (each picks its own gateway).</summary>
    public List<KcmClient> Clients { get; } = [];

    public IClusterClient Orleans { get; private set; } = null!;

    /// <summary>Test images, row after row (the load sends slices of them).</summary>
    public float[] Images { get; private set; } = [];

    /// <summary>The names of the silos the tests killed, once per kill.</summary>
    public IReadOnlyList<string> Kills => [.. _kills];

    /// <summary>The settings every silo gets on its command line: the quick models, and a judge that sends most rows to the large model.</summary>
    public static IReadOnlyList<string> SiloArguments =>
    [
        "--Kcm:Embedded:LargeModelPath=" + BuiltPrograms.TinyLargeModel,
        "--Kcm:Embedded:SeedSamples=2000",
        "--Kcm:Embedded:Epochs=1",
        "--Kcm:Embedded:CheckSamples=500",
        "--Kcm:Embedded:ReplayRecords=1000",
        "--Kcm:Calibration:Rule=FixedEpsilon",
        "--Kcm:Calibration:Epsilon=0.9999",
        // Rounds every 1,000 records (a few seconds of the tests' load), checked every second on the reminder; a killed
        // round's records come back after a 10 s lease.
        "--Kcm:Distillation:RecordsPerRound=1000",
        "--Kcm:Distillation:MinRecords=1",
        "--Kcm:Distillation:IntervalSeconds=2",
        "--Kcm:Distillation:CheckSeconds=1",
        "--Kcm:AzureStorage:TeacherQueue:LeaseSeconds=10",
        "--Logging:LogLevel:Orleans.Runtime.MembershipService=Information",
        "--Logging:Console:TimestampFormat=HH:mm:ss.fff ",
        // Settings to try by hand, e.g. other membership timings: KCM_CLUSTER_TEST_SETTINGS="--Kcm:Orleans:Membership:VotesForDeathDeclaration=2".
        .. (Environment.GetEnvironmentVariable("KCM_CLUSTER_TEST_SETTINGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
    ];

    public SiloProcess Silo(string name) => Silos.Single(s => s.Name == name);

    public IEnumerable<SiloProcess> WithRole(string role) => Silos.Where(s => s.Roles.Split(',').Contains(role));

    public async Task InitializeAsync()
    {
        Images = FashionMnist.LoadTest().Slice(0, 2000).Features;
        Azurite = await AzuriteServer.StartAsync();
        Directory.CreateDirectory(Path.Combine(Folder, "logs"));
        foreach (var (name, roles) in new[] { ("distiller-1", "cpu,distiller"), ("distiller-2", "cpu,distiller"), ("gpu-1", "gpu"), ("gpu-2", "gpu") })
        {
            Silos.Add(NewSilo(name, roles));
        }

        // The first distiller alone: it makes the first models every other silo then loads from the shared store.
        Silos[0].Start();
        await Silos[0].WaitUntilReadyAsync(ReadyTimeout);
        foreach (var silo in Silos.Skip(1))
        {
            silo.Start();
        }

        await Task.WhenAll(Silos.Skip(1).Select(s => s.WaitUntilReadyAsync(ReadyTimeout)));

        for (var c = 0; c < LoadClients; c++)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddKcmClient(options =>
            {
                // Threshold changes are admin grain calls: the clients carry the silos' token.
                options.AdminToken = AdminToken;
                foreach (var silo in Silos)
                {
                    options.Gateways.Add(silo.Gateway);
                }
            });
            var host = builder.Build();
            await host.StartAsync();
            _clientHosts.Add(host);
            Clients.Add(host.Services.GetRequiredService<KcmClient>());
        }

        Orleans = _clientHosts[0].Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>A silo of this cluster, not started (its ports are fixed now).</summary>
    public SiloProcess NewSilo(string name, string roles) => new(name, roles, Path.Combine(Folder, "logs"), SiloEnvironment(Azurite.ConnectionString, Store), SiloArguments);

    /// <summary>What every test silo process gets in its environment: the cluster's storage, its model store, the admin token.</summary>
    public static Dictionary<string, string> SiloEnvironment(string storageConnection, string store) => new()
    {
        ["Kcm__AzureStorage__ConnectionString"] = storageConnection,
        ["Kcm__StorePath"] = store,
        ["Kcm__AdminToken"] = AdminToken,
    };

    /// <summary>SIGKILL, remembered as a kill.</summary>
    public void Kill(SiloProcess silo)
    {
        _kills.Enqueue(silo.Name);
        silo.Kill();
    }

    /// <summary>Starts again every silo that is not running (on its own ports) and waits until all are ready.</summary>
    public async Task EnsureAllRunningAsync()
    {
        var restarted = Silos.Where(s => !s.IsRunning).ToList();
        foreach (var silo in restarted)
        {
            silo.Start();
        }

        await Task.WhenAll(restarted.Select(s => s.WaitUntilReadyAsync(ReadyTimeout)));
    }

    /// <summary>The name of the silo holding <paramref name="grainClass"/>'s activations now, or null (<see cref="GrainActivations"/>).</summary>
    public Task<string?> SiloHoldingAsync(string grainClass) => GrainActivations.SiloHoldingAsync(Orleans, grainClass);

    /// <summary>The cluster's membership rows in Azurite, as Orleans wrote them.</summary>
    public Task<IReadOnlyList<MembershipRow>> MembershipAsync() =>
        MembershipTable.ReadAsync(Azurite.ConnectionString, global::Orleans.Configuration.ClusterOptions.DefaultClusterId);

    public async Task DisposeAsync()
    {
        foreach (var host in _clientHosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        await Task.WhenAll(Silos.Select(s => s.DisposeAsync().AsTask()));
        await Azurite.DisposeAsync();
        if (Environment.GetEnvironmentVariable("KCM_KEEP_CLUSTER_LOGS") is { Length: > 0 })
        {
            // For a look at the silos' logs after a run: KCM_KEEP_CLUSTER_LOGS=1 dotnet test ...
            return;
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
