using Kcm.Client;
using Kcm.OrleansCluster.Tests.Support;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// A cluster of its own for the registry restart test: a real Azurite, one <c>cpu,distiller</c> and one <c>gpu</c>
/// silo process, and an Orleans client with both gateways. Its own, because killing the silo that holds the registry
/// moves the registry, and the shared cluster's tests should not depend on where it lives.
/// </summary>
public sealed class StorageOutageRegistryCluster : IAsyncLifetime
{
    private IHost? _clientHost;

    public AzuriteServer Azurite { get; private set; } = null!;

    public string Folder { get; } = Directory.CreateTempSubdirectory("kcm-registry-restart-").FullName;

    public List<SiloProcess> Silos { get; } = [];

    public KcmClient Client { get; private set; } = null!;

    public IClusterClient Orleans { get; private set; } = null!;

    public SiloProcess Silo(string name) => Silos.Single(s => s.Name == name);

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        var logs = Directory.CreateDirectory(Path.Combine(Folder, "logs")).FullName;
        foreach (var (name, roles) in new[] { ("distiller-1", "cpu,distiller"), ("gpu-1", "gpu") })
        {
            Silos.Add(new SiloProcess(name, roles, logs, ProcessClusterFixture.SiloEnvironment(Azurite.ConnectionString, Path.Combine(Folder, "store")), ProcessClusterFixture.SiloArguments));
        }

        // The distiller first: it trains and publishes the first models the gpu silo then loads.
        Silos[0].Start();
        await Silos[0].WaitUntilReadyAsync(ProcessClusterFixture.ReadyTimeout);
        Silos[1].Start();
        await Silos[1].WaitUntilReadyAsync(ProcessClusterFixture.ReadyTimeout);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKcmClient(options =>
        {
            // Threshold changes are admin grain calls: the client carries the silos' token.
            options.AdminToken = ProcessClusterFixture.AdminToken;
            foreach (var silo in Silos)
            {
                options.Gateways.Add(silo.Gateway);
            }
        });
        _clientHost = builder.Build();
        await _clientHost.StartAsync();
        Client = _clientHost.Services.GetRequiredService<KcmClient>();
        Orleans = _clientHost.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The name of the silo holding <paramref name="grainClass"/>'s activations now, or null (<see cref="GrainActivations"/>).</summary>
    public Task<string?> SiloHoldingAsync(string grainClass) => GrainActivations.SiloHoldingAsync(Orleans, grainClass);

    public async Task DisposeAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync();
            _clientHost.Dispose();
        }

        await Task.WhenAll(Silos.Select(s => s.DisposeAsync().AsTask()));
        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }

        if (Environment.GetEnvironmentVariable("KCM_KEEP_CLUSTER_LOGS") is { Length: > 0 })
        {
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
