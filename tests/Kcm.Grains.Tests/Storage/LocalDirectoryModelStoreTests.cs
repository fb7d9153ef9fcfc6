using Kcm.Models.Storage;

namespace Kcm.Grains.Tests.Storage;

/// <summary>The local-folder model store the embedded silo keeps its versions in: numbering, pruning, verification on load.</summary>
public sealed class LocalDirectoryModelStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "kcm-store-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Save_ThreeTimes_NumbersVersionsAndLoadsExactBytes()
    {
        var store = new LocalDirectoryModelStore(_root, keepVersions: 5);

        var saved = new List<StoredModel>();
        for (var i = 1; i <= 3; i++)
        {
            saved.Add(await store.SaveAsync("m", Enumerable.Repeat((byte)i, 100 * i).ToArray(), 0.5 + (i / 10.0), default));
        }

        Assert.Equal([1, 2, 3], saved.Select(s => s.Version));
        Assert.Equal(Enumerable.Repeat((byte)2, 200), await store.LoadAsync("m", 2, default));
        var listed = await store.ListAsync("m", default);
        Assert.Equal(saved.Select(s => (s.Version, s.Sha256, s.CheckAccuracy)), listed.Select(s => (s.Version, s.Sha256, s.CheckAccuracy)));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "m"), "*.tmp"));
    }

    [Fact]
    public async Task Save_BeyondKeep_PrunesOldestAndLoadOfPrunedIsUnknown()
    {
        var store = new LocalDirectoryModelStore(_root, keepVersions: 2);
        for (var i = 0; i < 4; i++)
        {
            await store.SaveAsync("m", new byte[] { (byte)i }, 0, default);
        }

        Assert.Equal([3, 4], (await store.ListAsync("m", default)).Select(s => s.Version));
        var error = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync("m", 1, default));
        Assert.Equal(ModelStoreFailure.UnknownVersion, error.Failure);
    }

    [Fact]
    public async Task Load_FlippedByte_RefusedWithBothHashes()
    {
        var store = new LocalDirectoryModelStore(_root, keepVersions: 3);
        var saved = await store.SaveAsync("m", new byte[64], 0, default);
        var path = store.ContentPath("m", 1);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[10] = 1;
        await File.WriteAllBytesAsync(path, bytes);

        var error = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync("m", 1, default));

        Assert.Equal(ModelStoreFailure.Corrupt, error.Failure);
        Assert.Contains(saved.Sha256, error.Message);
        Assert.Contains("sha256", error.Reason);
    }

    [Fact]
    public async Task Load_CorruptRecord_RefusedAsCorrupt()
    {
        var store = new LocalDirectoryModelStore(_root, keepVersions: 3);
        await store.SaveAsync("m", new byte[8], 0, default);
        await File.WriteAllTextAsync(Path.Combine(_root, "m", "v000001.json"), "{ not json");

        var error = await Assert.ThrowsAsync<ModelStoreException>(() => store.LoadAsync("m", 1, default));

        Assert.Equal(ModelStoreFailure.Corrupt, error.Failure);
    }

    [Fact]
    public async Task Save_NewStoreOnSameFolder_ContinuesNumbering()
    {
        await new LocalDirectoryModelStore(_root, 5).SaveAsync("m", new byte[] { 1 }, 0, default);

        var next = await new LocalDirectoryModelStore(_root, 5).SaveAsync("m", new byte[] { 2 }, 0, default);

        Assert.Equal(2, next.Version);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
