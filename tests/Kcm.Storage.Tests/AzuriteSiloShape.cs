using System.Net;
using Azure.Data.Tables;
using Kcm.Testing;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Kcm.Storage.Tests;

/// <summary>The part every test silo on Azurite shares: its cluster name, loopback endpoints, and Azure Table membership, grain storage and reminders.</summary>
public static class AzuriteSiloShape
{
    /// <summary>
    /// Makes <paramref name="silo"/> a member of cluster <paramref name="serviceId"/> (also its cluster id) kept in
    /// <paramref name="azurite"/>, named <paramref name="name"/>, with grain storage <paramref name="storageName"/>.
    /// </summary>
    public static ISiloBuilder UseAzurite(this ISiloBuilder silo, AzuriteServer azurite, string serviceId, string name, string storageName, TimeSpan minimumReminderPeriod)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = serviceId;
            o.ServiceId = serviceId;
        });
        silo.Configure<SiloOptions>(o => o.SiloName = name);
        silo.ConfigureEndpoints(IPAddress.Loopback, LoopbackPort.Free(), LoopbackPort.Free(), listenOnAnyHostAddress: false);
        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(azurite.ConnectionString));
        silo.AddAzureTableGrainStorage(storageName, o => o.TableServiceClient = new TableServiceClient(azurite.ConnectionString));
        silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(azurite.ConnectionString));
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = minimumReminderPeriod);
        return silo;
    }
}
