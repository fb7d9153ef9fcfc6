using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;
using Kcm.Testing;

namespace Kcm.DeePEn.Tests;

/// <summary>The committed State of the Union models (models/sotu-*, tools/deepen_train_sotu.py) and the corpus ./kcm setup unpacks.</summary>
internal static class SotuModels
{
    public static readonly string[] Names = ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"];

    public static string Folder(string name) => RepositoryRoot.Combine("models", name);

    public static EnsembleMember Load(string name) => EnsembleMember.Load(Folder(name), DeePEnFixtures.OnnxOptions);

    /// <summary>Every model, in <see cref="Names"/> order; the caller disposes them.</summary>
    public static List<EnsembleMember> LoadAll() => [.. Names.Select(Load)];

    public static SotuCorpus Corpus { get; } = SotuCorpus.Load(RepositoryRoot.Combine(SotuCorpus.RelativeFolder));

    public static TheoryData<string> ModelNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names)
        {
            data.Add(name);
        }

        return data;
    }
}
