using Azure.Storage.Queues;

namespace Kcm.Storage.Tests;

/// <summary>How our own code talks to Azure Storage Queues (the teacher queue): one place for the settings every client needs.</summary>
public static class QueueClients
{
    /// <summary>
    /// Azure.Storage.Queues 12.28.1 speaks 2026-10-06 by default, which Azurite 3.37.0 refuses (400 InvalidHeaderValue)
    /// unless started with --skipApiVersionCheck; 2026-06-06 is the newest it knows.
    /// </summary>
    public const QueueClientOptions.ServiceVersion Version = QueueClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>A client of queue <paramref name="queueName"/>: binary payloads travel Base64-encoded, as Azure's tools expect.</summary>
    public static QueueClient Create(string connectionString, string queueName) =>
        new(connectionString, queueName, new QueueClientOptions(Version) { MessageEncoding = QueueMessageEncoding.Base64 });
}
