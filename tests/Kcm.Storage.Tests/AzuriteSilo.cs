using Kcm.Storage.Tests.Grains;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Kcm.Storage.Tests;

/// <summary>
/// One Orleans silo whose cluster lives on Azurite: Azure Table clustering, Azure Table grain storage for the registry
/// and Azure Table reminders, each its own table in the one storage account. A silo of its own host (not TestingHost,
/// whose in-process membership table would replace the Azure one), on free loopback ports.
/// </summary>
public sealed class AzuriteSilo : IAsyncDisposable
{
    /// <summary>The shortest reminder period the silos accept: the distillation rounds tick every 10 s or less (Orleans' default minimum is 1 minute).</summary>
    public static readonly TimeSpan MinimumReminderPeriod = TimeSpan.FromSeconds(1);

    private readonly IHost _host;
    private bool _stopped;

    private AzuriteSilo(string name, IHost host)
    {
        Name = name;
        _host = host;
        Address = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
    }

    public string Name { get; }

    public SiloAddress Address { get; }

    /// <summary>What <c>Grain.RuntimeIdentity</c> says inside an activation on this silo.</summary>
    public string RuntimeIdentity => Address.ToString();

    /// <summary>
    /// Starts a silo of cluster <paramref name="serviceId"/> (also its cluster id) on <paramref name="azurite"/> and
    /// waits until it has joined; <paramref name="ticks"/> is where reminder probes on it record their ticks (shared by
    /// the test's silos).
    /// </summary>
    public static async Task<AzuriteSilo> StartAsync(AzuriteServer azurite, string serviceId, string name, TickLog ticks, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = name,
            EnvironmentName = Environments.Production,
            DisableDefaults = true,
        });
        builder.Services.AddSingleton(ticks);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.UseOrleans(silo =>
        {
            silo.UseAzurite(azurite, serviceId, name, RegistryProbeGrain.StorageName, MinimumReminderPeriod);
            // A graceful stop hands its grains and reminder ranges over at once; these bound the wait when it does not.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new AzuriteSilo(name, host);
    }

    /// <summary>Stops the silo gracefully: it leaves the membership table, and its grains and reminders move to the survivors.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _host.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or InvalidOperationException)
        {
            // Shutting down after Azurite went away (or a failed test) must not hide the test's own failure.
        }

        _host.Dispose();
    }
}
