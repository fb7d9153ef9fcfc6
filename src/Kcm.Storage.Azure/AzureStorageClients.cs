using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Kcm.Storage.Azure;

/// <summary>How our own code builds its Azure Storage clients: one place for the settings every client needs.</summary>
public static class AzureStorageClients
{
    /// <summary>
    /// Azure.Storage.Queues 12.28.1 speaks 2026-10-06 by default, which Azurite 3.37.0 refuses (400 InvalidHeaderValue)
    /// unless started with --skipApiVersionCheck; 2026-06-06 is the newest it knows, and Azure accepts it too.
    /// </summary>
    public const QueueClientOptions.ServiceVersion QueueVersion = QueueClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>The blob service version, for the same reason as <see cref="QueueVersion"/>.</summary>
    public const BlobClientOptions.ServiceVersion BlobVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>A client of queue <paramref name="queueName"/>: binary payloads travel Base64-encoded, as Azure's tools expect.</summary>
    /// <exception cref="FormatException">The connection string cannot be parsed.</exception>
    public static QueueClient Queue(string connectionString, string queueName)
    {
        var options = new QueueClientOptions(QueueVersion) { MessageEncoding = QueueMessageEncoding.Base64 };
        Configure(options.Retry);
        return new QueueClient(connectionString, queueName, options);
    }

    /// <summary>A client of blob container <paramref name="containerName"/>.</summary>
    /// <exception cref="FormatException">The connection string cannot be parsed.</exception>
    public static BlobContainerClient Container(string connectionString, string containerName)
    {
        var options = new BlobClientOptions(BlobVersion);
        Configure(options.Retry);
        return new BlobContainerClient(connectionString, containerName, options);
    }

    private static void Configure(RetryOptions retry)
    {
        // Our callers retry on their own terms (the teacher queue's sender keeps records until a send succeeds); the
        // SDK's retries only smooth over a blip, and a request that hangs is given up well before the default 100 s.
        retry.MaxRetries = 2;
        retry.Delay = TimeSpan.FromMilliseconds(200);
        retry.MaxDelay = TimeSpan.FromSeconds(2);
        retry.NetworkTimeout = TimeSpan.FromSeconds(30);
    }
}
