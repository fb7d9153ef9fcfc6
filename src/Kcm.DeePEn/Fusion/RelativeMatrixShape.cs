namespace Kcm.DeePEn.Fusion;

/// <summary>The argument check every <see cref="IRelativeMatrix"/> makes: a vocabulary vector and an anchor vector of its shape.</summary>
internal static class RelativeMatrixShape
{
    public static void Check(IRelativeMatrix matrix, int vocabularyLength, int anchorLength)
    {
        if (vocabularyLength != matrix.VocabularySize || anchorLength != matrix.AnchorCount)
        {
            throw new ArgumentException($"Expected a vocabulary vector of {matrix.VocabularySize} and an anchor vector of {matrix.AnchorCount}, got {vocabularyLength} and {anchorLength}.");
        }
    }
}
