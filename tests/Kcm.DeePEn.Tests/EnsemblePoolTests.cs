using Kcm.DeePEn.Ensemble;

namespace Kcm.DeePEn.Tests;

public sealed class EnsemblePoolTests
{
    [Fact]
    public void Create_FromLoadedMembersAndAnInMemoryManifest_DecodesInEveryMode()
    {
        var members = SotuModels.LoadAll();
        var manifest = new EnsembleManifest { Name = "sotu-test", Members = SotuModels.Names, Main = "sotu-bl1536", AdaptiveWeights = [0.2f, 0.3f, 0.5f] };

        using var pool = EnsemblePool.Create(manifest, members);

        Assert.Equal(2, pool.MainModel);
        Assert.Same(members[2], pool.Main);
        Assert.InRange(pool.SparseRelativeBytes, 1, pool.DenseRelativeBytes / 10);
        foreach (var mode in EnsembleModes.All)
        {
            var generation = pool.CreateDecoder(mode).Generate("The state of our Union is", 3);
            Assert.Equal(3, generation.Tokens.Count);
        }
    }

    [Fact]
    public void Create_WrongMemberCountOrBadManifest_ThrowsNamingTheProblem()
    {
        var members = SotuModels.LoadAll();
        try
        {
            var manifest = new EnsembleManifest { Name = "sotu-test", Members = SotuModels.Names, Main = "sotu-sp2k" };

            var count = Assert.Throws<ArgumentException>(() => EnsemblePool.Create(manifest, members.Take(2).ToList()));
            var main = Assert.Throws<ArgumentException>(() => EnsemblePool.Create(manifest with { Main = "nope" }, members));

            Assert.Contains("3 members, 2 were given", count.Message, StringComparison.Ordinal);
            Assert.Contains("main 'nope'", main.Message, StringComparison.Ordinal);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }
}
