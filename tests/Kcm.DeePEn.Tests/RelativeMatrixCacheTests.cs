using System.Runtime.InteropServices;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

/// <summary>Relative matrices cached on disk and memory-mapped, on the real SotU members.</summary>
[Collection(SerialCollection.Name)]
public sealed class RelativeMatrixCacheTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-relcache-" + Guid.NewGuid().ToString("N"));
    private readonly List<EnsembleMember> _members = SotuModels.LoadAll();

    public void Dispose()
    {
        _members.ForEach(m => m.Dispose());
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void LoadOrBuild_WritesThenMaps_RowsAndResultsEqualTheInMemoryMatricesBitForBit()
    {
        var memory = RelativeSpace.Build(_members);
        using (var first = RelativeSpace.LoadOrBuild(_members, _folder, sparseAnchorsPerRow: 32))
        {
            Assert.True(first.IsMapped);
            Assert.All(first.CacheFiles, f => Assert.Equal("no such file.", f.RebuildReason));
        }

        using var space = RelativeSpace.LoadOrBuild(_members, _folder, sparseAnchorsPerRow: 32);
        Assert.True(space.IsMapped);
        Assert.All(space.CacheFiles, f => Assert.False(f.Rebuilt, f.RebuildReason));
        Assert.Equal(memory.Anchors.Tokens, space.Anchors.Tokens);
        Assert.Equal(space.CacheFiles.Where(f => f.Kind == RelativeMatrixKind.Dense).Sum(f => new FileInfo(f.Path).Length), space.Bytes);
        var inMemorySparse = memory.Sparse(32);
        var mappedSparse = space.SparseRelatives(32);
        var random = new Random(11);
        for (var i = 0; i < _members.Count; i++)
        {
            var dense = (RelativeRepresentation)memory.Relatives[i];
            var mapped = Assert.IsType<MappedRelativeMatrix>(space.Relatives[i]);
            var sparse = Assert.IsType<MappedSparseRelativeMatrix>(mappedSparse[i]);
            Assert.Equal(dense.VocabularySize, mapped.VocabularySize);
            Assert.Equal(dense.AnchorCount, mapped.AnchorCount);
            Assert.Equal(inMemorySparse[i].MeanRetainedMass, sparse.MeanRetainedMass);
            for (var v = 0; v < dense.VocabularySize; v++)
            {
                AssertBits(dense.Row(v), mapped.Row(v));
                AssertBits(inMemorySparse[i].RowValues(v), sparse.RowValues(v));
                Assert.True(inMemorySparse[i].RowAnchors(v).SequenceEqual(sparse.RowAnchors(v)));
                Assert.Equal(BitConverter.SingleToInt32Bits(inMemorySparse[i].RowTail(v)), BitConverter.SingleToInt32Bits(sparse.RowTail(v)));
            }

            AssertSameResults(dense, mapped, random);
            AssertSameResults(inMemorySparse[i], sparse, random);
        }
    }

    [Fact]
    public void LoadOrBuild_StaleKey_IsRebuiltNotUsed()
    {
        using (RelativeSpace.LoadOrBuild(_members, _folder))
        {
        }

        // Member 1's files copied over member 0's: valid files, but built from other embeddings.
        var files = Directory.GetFiles(_folder, "*" + RelativeMatrixFile.Extension).Order(StringComparer.Ordinal).ToArray();
        var first = files.Where(f => Path.GetFileName(f).StartsWith("0-", StringComparison.Ordinal)).ToArray();
        var second = files.Where(f => Path.GetFileName(f).StartsWith("1-", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, first.Length);
        for (var j = 0; j < 2; j++)
        {
            File.Copy(second[j], first[j], overwrite: true);
        }

        // And member 2's dense key flipped in place: same shape, wrong key.
        var third = files.Single(f => Path.GetFileName(f).StartsWith("2-", StringComparison.Ordinal) && f.Contains(".dense", StringComparison.Ordinal));
        FlipByte(third, 40);

        using var space = RelativeSpace.LoadOrBuild(_members, _folder);
        var rebuilt = space.CacheFiles.Where(f => f.Rebuilt).ToList();
        Assert.Equal(3, rebuilt.Count);
        Assert.All(rebuilt, f => Assert.Contains("stale", f.RebuildReason, StringComparison.Ordinal));
        AssertEqualsInMemory(space);
    }

    [Fact]
    public void LoadOrBuild_TruncatedEmptyOrBadMagic_IsRebuiltNotUsed()
    {
        using (RelativeSpace.LoadOrBuild(_members, _folder))
        {
        }

        var files = Directory.GetFiles(_folder, "*" + RelativeMatrixFile.Extension).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(6, files.Length);
        using (var stream = File.Open(files[0], FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        using (var stream = File.Open(files[1], FileMode.Open))
        {
            stream.SetLength(stream.Length - 4);
        }

        FlipByte(files[2], 0);
        File.WriteAllBytes(files[3], []);
        File.WriteAllBytes(files[4], new byte[40]);

        using var space = RelativeSpace.LoadOrBuild(_members, _folder);
        var reasons = space.CacheFiles.ToDictionary(f => f.Path, f => f.RebuildReason);
        Assert.Contains("truncated", reasons[files[0]], StringComparison.Ordinal);
        Assert.Contains("truncated", reasons[files[1]], StringComparison.Ordinal);
        Assert.Contains("bad magic", reasons[files[2]], StringComparison.Ordinal);
        Assert.Contains("empty", reasons[files[3]], StringComparison.Ordinal);
        Assert.Contains("truncated", reasons[files[4]], StringComparison.Ordinal);
        Assert.Null(reasons[files[5]]);
        AssertEqualsInMemory(space);
    }

    [Fact]
    public void Fusion_OverMappedMatrices_ChoosesTheSameTokensAsOverInMemoryOnes()
    {
        var memory = RelativeSpace.Build(_members);
        using var mapped = RelativeSpace.LoadOrBuild(_members, _folder);
        var weights = FusionWeights.Average(_members.Count);
        const string prompt = "The state of our Union is";

        var dense = new DeePEnEnsemble(_members, memory.Relatives, 1, weights).Generate(prompt, 10);
        var denseMapped = new DeePEnEnsemble(_members, mapped.Relatives, 1, weights).Generate(prompt, 10);
        var sparse = new DeePEnEnsemble(_members, memory.SparseRelatives(), 1, weights, projectionTopTokens: 64).Generate(prompt, 10);
        var sparseMapped = new DeePEnEnsemble(_members, mapped.SparseRelatives(), 1, weights, projectionTopTokens: 64).Generate(prompt, 10);

        Assert.NotEmpty(dense.Tokens);
        Assert.Equal(dense.Tokens, denseMapped.Tokens);
        Assert.Equal(sparse.Tokens, sparseMapped.Tokens);
    }

    [Fact]
    public void LoadOrBuild_MappedSpace_KeepsItsMatricesOffTheManagedHeap()
    {
        using (RelativeSpace.LoadOrBuild(_members, _folder))
        {
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        using var space = RelativeSpace.LoadOrBuild(_members, _folder);
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        var memory = RelativeSpace.Build(_members);
        var retainedInMemory = GC.GetTotalMemory(forceFullCollection: true) - before - retained;

        Assert.All(space.CacheFiles, f => Assert.False(f.Rebuilt));
        Assert.True(retained * 20 < space.Bytes, $"the mapped space holds {retained} managed bytes for {space.Bytes} mapped bytes");
        Assert.True(retainedInMemory >= memory.Bytes, $"the in-memory space holds {retainedInMemory} managed bytes for {memory.Bytes} bytes of matrices");
        GC.KeepAlive(memory);
    }

    [Fact]
    public async Task WriteDense_RewrittenWhileAReaderMapsIt_TheReaderNeverSeesHalfAFile()
    {
        var anchors = AnchorSet.Build([.. _members.Select(m => m.Tokenizer)]);
        var matrix = RelativeRepresentation.Build(_members[0].Embeddings, anchors.TokenIds[0]);
        var key = RelativeMatrixFile.Key(_members[0].Embeddings, anchors.TokenIds[0], RelativeRepresentation.DefaultScale);
        var path = Path.Combine(_folder, "concurrent" + RelativeMatrixFile.Extension);
        RelativeMatrixFile.WriteDense(path, matrix, key, RelativeRepresentation.DefaultScale);
        var failures = new List<string>();
        var opened = 0;
        var readerRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var mapped = (MappedRelativeMatrix)RelativeMatrixFile.Open(path, RelativeMatrixKind.Dense, key);
                    Interlocked.Increment(ref opened);
                    readerRunning.TrySetResult();
                }
                catch (RelativeMatrixFileException e)
                {
                    failures.Add(e.Message);
                }
            }
        });

        await readerRunning.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var openedBefore = Volatile.Read(ref opened);
        for (var i = 0; i < 15; i++)
        {
            RelativeMatrixFile.WriteDense(path, matrix, key, RelativeRepresentation.DefaultScale);
        }

        stop.Cancel();
        await reader;
        Assert.Empty(failures);
        Assert.True(opened > openedBefore, $"the reader mapped the file {opened - openedBefore} times while it was rewritten");
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void MappedMatrix_AfterDispose_ThrowsInsteadOfReadingFreedMemory()
    {
        using var space = RelativeSpace.LoadOrBuild(_members, _folder);
        var mapped = (MappedRelativeMatrix)space.Relatives[0];
        mapped.Dispose();

        Assert.Throws<ObjectDisposedException>(() => mapped.Row(0).Length);
        Assert.Throws<InvalidOperationException>(() => space.Sparse());
    }

    private void AssertEqualsInMemory(RelativeSpace space)
    {
        var memory = RelativeSpace.Build(_members);
        for (var i = 0; i < _members.Count; i++)
        {
            var dense = (RelativeRepresentation)memory.Relatives[i];
            var mapped = (MappedRelativeMatrix)space.Relatives[i];
            for (var v = 0; v < dense.VocabularySize; v++)
            {
                AssertBits(dense.Row(v), mapped.Row(v));
            }
        }

        Assert.All(space.SparseRelatives(), s => Assert.IsType<MappedSparseRelativeMatrix>(s));
    }

    private static void AssertSameResults(IRelativeMatrix expected, IRelativeMatrix actual, Random random)
    {
        // A peaked next-token distribution, as models give, and an anchor-space vector like the search's gradient.
        var logits = new float[expected.VocabularySize];
        for (var v = 0; v < logits.Length; v++)
        {
            logits[v] = (float)(random.NextDouble() * 12);
        }

        var p = new float[logits.Length];
        System.Numerics.Tensors.TensorPrimitives.SoftMax(logits, p);
        var g = new float[expected.AnchorCount];
        for (var a = 0; a < g.Length; a++)
        {
            g[a] = (float)(random.NextDouble() - 0.5);
        }

        var left = new float[expected.AnchorCount];
        var right = new float[expected.AnchorCount];
        expected.Project(p, left);
        actual.Project(p, right);
        AssertBits(left, right);
        expected.AccumulateRow(7, 0.3f, left);
        actual.AccumulateRow(7, 0.3f, right);
        AssertBits(left, right);
        var leftTransposed = new float[expected.VocabularySize];
        var rightTransposed = new float[expected.VocabularySize];
        expected.MultiplyTransposed(g, leftTransposed);
        actual.MultiplyTransposed(g, rightTransposed);
        AssertBits(leftTransposed, rightTransposed);
    }

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual) =>
        Assert.True(MemoryMarshal.AsBytes(expected).SequenceEqual(MemoryMarshal.AsBytes(actual)), "not equal bit for bit");

    private static void FlipByte(string path, int offset)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }
}
