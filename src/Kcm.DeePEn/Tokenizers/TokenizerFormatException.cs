namespace Kcm.DeePEn.Tokenizers;

/// <summary>A tokenizer.json that cannot be read, or that is not one of the two supported layouts (see <see cref="BpeTokenizer"/>).</summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string source, string problem)
        : base($"Tokenizer {source}: {problem}")
    {
        Location = source;
        Problem = problem;
    }

    public TokenizerFormatException(string source, string problem, Exception innerException)
        : base($"Tokenizer {source}: {problem}", innerException)
    {
        Location = source;
        Problem = problem;
    }

    /// <summary>The file (or "json" for text given in memory).</summary>
    public string Location { get; }

    public string Problem { get; }
}
