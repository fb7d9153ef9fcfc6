using Kcm.DeePEn.Tokenizers;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The anchor tokens A: token texts present in every model's vocabulary once word-start markers are unified
/// ("Ġ" and "▁" both become "▁"). For each model, <see cref="TokenIds"/>[model][a] is that model's id of anchor a.
/// Anchors are in ordinal order of their text, so the set does not depend on the order of vocabularies.
/// </summary>
public sealed class AnchorSet
{
    private AnchorSet(string[] tokens, int[][] tokenIds)
    {
        Tokens = tokens;
        TokenIds = tokenIds;
    }

    /// <summary>The anchors' normalised texts.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Per model, per anchor: the token id in that model's vocabulary.</summary>
    public IReadOnlyList<int[]> TokenIds { get; }

    public int Count => Tokens.Count;

    /// <summary>Anchors shared by the tokenizers' vocabularies (see <see cref="BpeTokenizer.NormalizedToken"/>).</summary>
    public static AnchorSet Build(IReadOnlyList<BpeTokenizer> tokenizers)
    {
        ArgumentNullException.ThrowIfNull(tokenizers);
        var vocabularies = new List<string?[]>(tokenizers.Count);
        foreach (var tokenizer in tokenizers)
        {
            var normalized = new string?[tokenizer.VocabularySize];
            for (var id = 0; id < normalized.Length; id++)
            {
                normalized[id] = tokenizer.NormalizedToken(id);
            }

            vocabularies.Add(normalized);
        }

        return Build(vocabularies);
    }

    /// <summary>
    /// Anchors shared by vocabularies given as normalised text per id (null = not a candidate). When two ids of one
    /// vocabulary normalise to the same text, the smaller id represents it.
    /// </summary>
    public static AnchorSet Build(IReadOnlyList<IReadOnlyList<string?>> normalizedVocabularies)
    {
        ArgumentNullException.ThrowIfNull(normalizedVocabularies);
        if (normalizedVocabularies.Count == 0)
        {
            throw new ArgumentException("At least one vocabulary is needed.", nameof(normalizedVocabularies));
        }

        var maps = new Dictionary<string, int>[normalizedVocabularies.Count];
        for (var m = 0; m < maps.Length; m++)
        {
            var vocabulary = normalizedVocabularies[m];
            var map = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
            for (var id = 0; id < vocabulary.Count; id++)
            {
                if (vocabulary[id] is { Length: > 0 } text)
                {
                    map.TryAdd(text, id);
                }
            }

            maps[m] = map;
        }

        var shared = maps[0].Keys.Where(text => maps.All(map => map.ContainsKey(text))).ToArray();
        Array.Sort(shared, StringComparer.Ordinal);
        var ids = new int[maps.Length][];
        for (var m = 0; m < maps.Length; m++)
        {
            ids[m] = new int[shared.Length];
            for (var a = 0; a < shared.Length; a++)
            {
                ids[m][a] = maps[m][shared[a]];
            }
        }

        return new AnchorSet(shared, ids);
    }
}
