using System.Net;
using Azure.Data.Tables;
using Kcm.Grains.Hosting;
using Kcm.Storage.Azure.Hosting;
using Orleans.Configuration;

namespace Kcm.Silo.Hosting;

/// <summary>
/// The silo's cluster shape, decided by configuration alone: with <c>Kcm:AzureStorage:ConnectionString</c> the silo joins
/// the cluster kept in that storage account (Azure Table membership, grain storage and reminders; the teacher queue and
/// model versions through <c>AddKcmAzureStorage</c>); without it, it is the embedded default (localhost clustering,
/// in-memory grain storage and reminders, the in-process teacher queue and a local model folder). Both shapes get the
/// same membership timings, reminder minimum and cluster identity, so nothing else in the start-up differs.
/// </summary>
internal static class ClusterShape
{
    public static void Apply(ISiloBuilder silo, KcmSiloOptions options, SiloEndpoints endpoints, IConfiguration configuration)
    {
        var orleans = options.Orleans;
        if (options.AzureStorage.IsConfigured)
        {
            var connection = options.AzureStorage.ConnectionString!;
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = orleans.ClusterId;
                cluster.ServiceId = orleans.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(orleans.Address), endpoints.SiloPort, endpoints.GatewayPort, orleans.ListenOnAnyAddress);
            // Membership, grain state and reminders are each a table of the one account (docs/storage.md says which).
            silo.UseAzureStorageClustering(table => table.TableServiceClient = new TableServiceClient(connection));
            silo.AddAzureTableGrainStorage(ServingStorage.Name, table => table.TableServiceClient = new TableServiceClient(connection));
            silo.UseAzureTableReminderService(table => table.TableServiceClient = new TableServiceClient(connection));
            // The teacher queue (Azure Storage queue) and the model versions (blobs), in place of the in-process ones.
            silo.AddKcmAzureStorage(configuration);
        }
        else
        {
            silo.UseLocalhostClustering(endpoints.SiloPort, endpoints.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
            silo.AddMemoryGrainStorage(ServingStorage.Name);
            // The embedded silo has a reminder service too: the distillation grain's rounds run on a reminder.
            silo.UseInMemoryReminderService();
        }

        if (orleans.SiloName is { } name)
        {
            silo.Configure<SiloOptions>(o => o.SiloName = name);
        }

        silo.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(orleans.MinimumReminderPeriodSeconds));
        var membership = orleans.Membership;
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromMilliseconds(membership.ProbeTimeoutMilliseconds);
            o.NumMissedProbesLimit = membership.MissedProbesLimit;
            o.NumVotesForDeathDeclaration = membership.VotesForDeathDeclaration;
        });
    }
}
