using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Kcm.Testing;

namespace Kcm.Storage.Tests;

/// <summary>
/// Which Azure SDK clients a strict Azurite (without --skipApiVersionCheck) accepts: why our queue client pins its
/// service version, and which Orleans providers need the flag.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ApiVersionTests
{
    [Fact]
    public async Task A_strict_Azurite_refuses_the_queue_and_blob_clients_default_version_and_accepts_2026_06_06_and_the_table_client()
    {
        await using var strict = await AzuriteServer.StartAsync(skipApiVersionCheck: false);
        var name = $"strict-{Guid.NewGuid():N}";

        var unpinned = new QueueClient(strict.ConnectionString, name);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => unpinned.CreateAsync());
        Assert.Equal(400, refused.Status);
        Assert.Equal("InvalidHeaderValue", refused.ErrorCode);

        var pinned = QueueClients.Create(strict.ConnectionString, name);
        await pinned.CreateAsync();
        await pinned.SendMessageAsync(new BinaryData("ok"u8.ToArray()));

        // Orleans' clustering, grain state and reminders go through Azure.Data.Tables (API 2019-02-02): accepted.
        await new TableServiceClient(strict.ConnectionString).CreateTableIfNotExistsAsync("strict");

        // Blob grain storage and the model versions go through Azure.Storage.Blobs (12.30.1 speaks 2026-10-06 too).
        var blobRefused = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobServiceClient(strict.ConnectionString).CreateBlobContainerAsync("refused"));
        Assert.Equal("InvalidHeaderValue", blobRefused.ErrorCode);
        var blobs = new BlobServiceClient(strict.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06));
        await blobs.CreateBlobContainerAsync("accepted");
    }
}
