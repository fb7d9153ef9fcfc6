using System.Diagnostics;
using Kcm.Placement.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace Kcm.Placement.Tests;

/// <summary>An in-process Orleans cluster whose silo i declares the roles given at position i (AddKcmPlacement).</summary>
public sealed class RoleCluster : IAsyncDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(20);

    private RoleCluster(InProcessTestCluster cluster, IReadOnlyDictionary<SiloAddress, string> roles)
    {
        Cluster = cluster;
        Roles = roles;
    }

    /// <summary>The Orleans test cluster.</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>Each silo's declared role list, as written into its metadata.</summary>
    public IReadOnlyDictionary<SiloAddress, string> Roles { get; }

    /// <summary>The only silo with a gateway (silo 0): it places every call the external client makes.</summary>
    public SiloAddress GatewaySilo => Cluster.Silos.Single(silo => silo.InstanceNumber == 0).SiloAddress;

    /// <summary>The cluster's external client.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <summary>Starts one silo per entry of <paramref name="rolesPerSilo"/> and waits until every silo knows every silo's roles.</summary>
    public static async Task<RoleCluster> StartAsync(params string[] rolesPerSilo)
    {
        var builder = new InProcessTestClusterBuilder((short)rolesPerSilo.Length);

        // The test cluster assumes homogeneous silos by default, and then Orleans skips placement filters altogether.
        builder.Options.AssumeHomogenousSilosForTesting = false;
        builder.Options.ConfigureFileLogging = false;

        // Only silo 0 hosts a gateway, so every call from the external client is placed by silo 0 (cpu in every fixture).
        builder.Options.GatewayPerSilo = false;
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddKcmPlacement(rolesPerSilo[InstanceNumber(options.SiloName)]);

            // Orleans removes a stateless worker after one idle inspection (500 ms); keep them, so that the management
            // grain still sees every activation a test's calls created when the test asks for them.
            silo.Services.Configure<StatelessWorkerOptions>(workers => workers.RemoveIdleWorkers = false);
        });

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            var roles = cluster.Silos.ToDictionary(silo => silo.SiloAddress, silo => rolesPerSilo[silo.InstanceNumber]);

            // Without the homogeneous assumption, a silo only places on silos whose grain manifest it has seen.
            await cluster.WaitForClusterManifestToStabilizeAsync();
            await WaitForSiloMetadataAsync(cluster, roles);
            return new RoleCluster(cluster, roles);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The silos declaring <paramref name="role"/>.</summary>
    public SiloAddress[] SilosWith(string role) => [.. Roles.Where(pair => SiloRoles.Contains(pair.Value, role)).Select(pair => pair.Key)];

    /// <summary>The silos not declaring <paramref name="role"/>.</summary>
    public SiloAddress[] SilosWithout(string role) => [.. Roles.Keys.Except(SilosWith(role))];

    /// <summary>A new caller grain activated on <paramref name="silo"/> (placed there with Orleans' placement hint).</summary>
    public async Task<ICallerGrain> CallerOnAsync(SiloAddress silo)
    {
        var caller = Client.GetGrain<ICallerGrain>(Guid.NewGuid());
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            var where = await caller.WhereAsync();
            Assert.Equal(silo, where);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        return caller;
    }

    /// <summary>How many silos hold an activation of <paramref name="grain"/>, according to the management grain.</summary>
    public Task<int> SilosHoldingAsync(IAddressable grain) =>
        Client.GetGrain<IManagementGrain>(0).GetGrainActivationCount((GrainReference)grain);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();

    // The in-process test cluster names silo N "Silo_N" (Orleans 10.4.2); the silo options carry no number of their own.
    private static int InstanceNumber(string siloName) =>
        int.Parse(siloName[(siloName.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    // Each silo's metadata cache fills in from membership updates after the silo starts; until it has fetched a silo's
    // metadata it reports none, and the role filter would (rightly) reject that silo.
    private static async Task WaitForSiloMetadataAsync(InProcessTestCluster cluster, IReadOnlyDictionary<SiloAddress, string> roles)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var missing = cluster.Silos
                .SelectMany(silo => roles.Keys
                    .Where(other => !silo.ServiceProvider.GetRequiredService<ISiloMetadataCache>().GetSiloMetadata(other)
                        .Metadata.ContainsKey(SiloRoles.MetadataKey))
                    .Select(other => $"{silo.Name} does not know {other}"))
                .ToList();
            if (missing.Count == 0)
            {
                return;
            }

            if (stopwatch.Elapsed > MetadataTimeout)
            {
                throw new TimeoutException($"Silo metadata did not spread within {MetadataTimeout}: {string.Join("; ", missing)}.");
            }

            await Task.Delay(50);
        }
    }
}
