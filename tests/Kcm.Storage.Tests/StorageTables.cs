using Azure.Data.Tables;
using Kcm.Testing;
using Orleans.Clustering.AzureStorage;
using Orleans.Configuration;
using Orleans.Reminders.AzureStorage;

namespace Kcm.Storage.Tests;

/// <summary>Reads the rows the Orleans providers wrote into Azurite's tables, so tests check storage itself, not only Orleans' view of it.</summary>
public static class StorageTables
{
    /// <summary>The silo names the membership table lists as Active for cluster <paramref name="clusterId"/>.</summary>
    public static async Task<string[]> ActiveSiloNamesAsync(AzuriteServer azurite, string clusterId)
    {
        var table = new TableClient(azurite.ConnectionString, AzureStorageClusteringOptions.DEFAULT_TABLE_NAME);
        var names = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {clusterId} and Status eq {"Active"}")))
        {
            names.Add(row.GetString("SiloName") ?? "");
        }

        return [.. names.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Bytes of grain state the grain storage table holds for service <paramref name="serviceId"/>: the serialized
    /// state's properties (binary or string chunks), not the keys.
    /// </summary>
    public static async Task<long> GrainStateBytesAsync(AzuriteServer azurite, string serviceId)
    {
        var table = new TableClient(azurite.ConnectionString, AzureTableStorageOptions.DEFAULT_TABLE_NAME);
        long bytes = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {serviceId + "_"} and PartitionKey lt {serviceId + "`"}")))
        {
            foreach (var (name, value) in row)
            {
                bytes += name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag" ? 0 : value switch
                {
                    byte[] data => data.Length,
                    BinaryData data => data.ToMemory().Length,
                    string text => System.Text.Encoding.UTF8.GetByteCount(text),
                    _ => 0,
                };
            }
        }

        return bytes;
    }

    /// <summary>The reminder rows of service <paramref name="serviceId"/>: their names.</summary>
    public static async Task<string[]> ReminderNamesAsync(AzuriteServer azurite, string serviceId)
    {
        var table = new TableClient(azurite.ConnectionString, AzureTableReminderStorageOptions.DEFAULT_TABLE_NAME);
        var names = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ServiceId eq {serviceId}")))
        {
            names.Add(row.GetString("ReminderName") ?? "");
        }

        return [.. names];
    }
}
