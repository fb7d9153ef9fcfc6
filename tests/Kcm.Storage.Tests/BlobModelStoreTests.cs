using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Kcm.Models.Storage;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Blobs;

namespace Kcm.Storage.Tests;

/// <summary>The model store on a blob container (BlobModelStore) on a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobModelStoreTests(AzuriteFixture fixture)
{
    private const string Series = "fashion-test.small";

    [Fact]
    public async Task A_saved_version_lists_and_loads_verified_with_its_hash_and_accuracy_in_metadata()
    {
        var store = Store(NewContainer(), keep: 5);
        var content = Content(1, 5000);

        var saved = await store.SaveAsync(Series, content, 0.8125, CancellationToken.None);
        var listed = Assert.Single(await store.ListAsync(Series, CancellationToken.None));
        var loaded = await store.LoadAsync(Series, 1, CancellationToken.None);
        var metadata = (await store.Blob(Series, 1).GetPropertiesAsync()).Value.Metadata;

        Assert.Equal((1, 5000L, 0.8125), (saved.Version, saved.SizeBytes, saved.CheckAccuracy));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), saved.Sha256);
        Assert.Equal(saved, listed);
        Assert.Equal(content, loaded);
        Assert.Equal(saved.Sha256, metadata["sha256"]);
        Assert.Empty(await store.ListAsync("other.series", CancellationToken.None));
    }

    [Fact]
    public async Task Loading_refuses_changed_bytes_missing_metadata_and_an_unknown_version_with_the_reason()
    {
        var store = Store(NewContainer(), keep: 5);
        await store.SaveAsync(Series, Content(1, 3000), 0.5, CancellationToken.None);
        await store.SaveAsync(Series, Content(2, 3000), 0.5, CancellationToken.None);
        var first = store.Blob(Series, 1);
        var metadata = (await first.GetPropertiesAsync()).Value.Metadata;
        await first.UploadAsync(new BinaryData(Content(9, 3000)), new BlobUploadOptions { Metadata = metadata }); // same size, other bytes
        await store.Blob(Series, 2).SetMetadataAsync(new Dictionary<string, string>());

        var changed = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync(Series, 1, CancellationToken.None));
        var bare = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync(Series, 2, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync(Series, 3, CancellationToken.None));

        Assert.Equal(ModelStoreFailure.Corrupt, changed.Failure);
        Assert.Contains("sha256", changed.Reason, StringComparison.Ordinal);
        Assert.Equal(ModelStoreFailure.Corrupt, bare.Failure);
        Assert.Equal(ModelStoreFailure.UnknownVersion, unknown.Failure);
        Assert.Equal([1], (await store.ListAsync(Series, CancellationToken.None)).Select(m => m.Version)); // version 2 is not listed without metadata
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync("../escape", Content(1, 10), 0, CancellationToken.None));
    }

    [Fact]
    public async Task Only_the_newest_versions_are_kept_and_numbers_are_never_reused()
    {
        var store = Store(NewContainer(), keep: 3);
        for (var i = 1; i <= 5; i++)
        {
            await store.SaveAsync(Series, Content(i, 100), i / 10.0, CancellationToken.None);
        }

        var kept = await store.ListAsync(Series, CancellationToken.None);
        var pruned = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync(Series, 2, CancellationToken.None));
        var next = await store.SaveAsync(Series, Content(6, 100), 0.6, CancellationToken.None);

        Assert.Equal([3, 4, 5], kept.Select(m => m.Version));
        Assert.Equal(ModelStoreFailure.UnknownVersion, pruned.Failure);
        Assert.Equal(6, next.Version);
        Assert.Equal(Content(5, 100), await store.LoadAsync(Series, 5, CancellationToken.None));
    }

    [Fact]
    public async Task Two_writers_racing_on_one_series_get_distinct_versions_and_none_overwrites_another()
    {
        var container = NewContainer();
        var stores = new[] { Store(container, keep: 100), Store(container, keep: 100) };
        await stores[0].SaveAsync("warm-up", Content(0, 10), 0, CancellationToken.None); // the container exists before the race

        var saves = Enumerable.Range(0, 20).Select(i => Task.Run(() => stores[i % 2].SaveAsync(Series, Content(100 + i, 2000), i, CancellationToken.None))).ToArray();
        var saved = await Task.WhenAll(saves);

        Assert.Equal(Enumerable.Range(1, 20), saved.Select(s => s.Version).Order());
        foreach (var record in saved)
        {
            // Each number holds the bytes of the save that got it.
            Assert.Equal(Content(100 + (int)record.CheckAccuracy, 2000), await stores[1].LoadAsync(Series, record.Version, CancellationToken.None));
        }
    }

    private BlobModelStore Store(string container, int keep) =>
        new(AzureStorageClients.Container(fixture.Azurite.ConnectionString, container), keep);

    private static string NewContainer() => $"models-{Guid.NewGuid():N}";

    private static byte[] Content(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
