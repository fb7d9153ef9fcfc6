using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Orleans.Clustering.AzureStorage;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Reads (and, when no silo of the cluster runs, clears) a cluster's rows in the Azure Table membership table Orleans
/// keeps in the storage account: <c>kcm cluster up</c> starts a fresh cluster on a clean partition, tests check which
/// silos were declared dead.
/// </summary>
public static class MembershipTable
{
    /// <summary>Every silo row of cluster <paramref name="clusterId"/> (none when the table does not exist yet).</summary>
    public static async Task<IReadOnlyList<MembershipRow>> ReadAsync(string connectionString, string clusterId, CancellationToken cancellationToken = default)
    {
        var rows = new List<MembershipRow>();
        try
        {
            await foreach (var entity in Table(connectionString).QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                // Orleans keeps table-version rows beside the silos' rows (optimistic concurrency); they name no silo.
                if (Text(entity, "Address").Length == 0)
                {
                    continue;
                }

                rows.Add(new MembershipRow(
                    Text(entity, "SiloName"),
                    Text(entity, "Address"),
                    Number(entity, "Port"),
                    Number(entity, "ProxyPort"),
                    Number(entity, "Generation"),
                    Text(entity, "Status"),
                    Text(entity, "SuspectingSilos").Split('|', StringSplitOptions.RemoveEmptyEntries).Length));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No silo has ever started on this account.
        }

        return rows;
    }

    /// <summary>
    /// Deletes every row of cluster <paramref name="clusterId"/>, the table-version rows included; returns how many silo rows
    /// went. Only for a cluster none of whose silos runs: rows of silos killed without a clean stop stay Active, and a
    /// joining silo waits until it can reach every Active silo.
    /// </summary>
    public static async Task<int> ClearAsync(string connectionString, string clusterId, CancellationToken cancellationToken = default)
    {
        var table = Table(connectionString);
        var silos = 0;
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}"), select: ["PartitionKey", "RowKey", "Address"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                silos += Text(entity, "Address").Length == 0 ? 0 : 1;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        return silos;
    }

    private static TableClient Table(string connectionString) => new(connectionString, AzureStorageClusteringOptions.DEFAULT_TABLE_NAME);

    private static string Text(TableEntity entity, string name) =>
        entity.TryGetValue(name, out var value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" : "";

    private static int Number(TableEntity entity, string name) =>
        int.TryParse(Text(entity, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 0;
}
