namespace Kcm.Silo.Hosting;

/// <summary>
/// The cluster's Azure Storage account (configuration section <c>Kcm:AzureStorage</c>, which also names the teacher
/// queue and model container: <c>Kcm.Storage.Azure.AzureStorageOptions</c>). Set, the silo joins a cluster kept in that
/// account: Azure Table membership, grain storage and reminders, the teacher queue and the model blobs. Unset, the silo
/// is the embedded default: localhost clustering, in-memory grain storage and reminders, the in-process teacher queue
/// and a local model folder.
/// </summary>
public sealed class ClusterStorageOptions
{
    /// <summary>
    /// The storage account's connection string (for Azurite:
    /// <c>DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=...;BlobEndpoint=...;QueueEndpoint=...;TableEndpoint=...;</c>).
    /// </summary>
    /// <value>Default unset (the embedded silo).</value>
    public string? ConnectionString { get; set; }

    /// <summary>Whether a storage account is configured (the cluster shape) rather than the embedded default.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The problems of these settings, each prefixed with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (ConnectionString is not null && !IsConfigured)
        {
            yield return $"{prefix}{nameof(ConnectionString)} must not be blank when set (leave it unset for the embedded silo).";
        }
        else if (IsConfigured && !ConnectionString!.Contains("TableEndpoint=", StringComparison.OrdinalIgnoreCase)
            && !ConnectionString.Contains("AccountName=", StringComparison.OrdinalIgnoreCase)
            && !ConnectionString.Contains("UseDevelopmentStorage=", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{prefix}{nameof(ConnectionString)} is not a storage connection string (it names no AccountName or TableEndpoint).";
        }
    }
}
