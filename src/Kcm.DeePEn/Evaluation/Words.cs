namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// Words as the next-word evaluation counts them, independent of any tokenizer. A run is a maximal sequence of
/// non-whitespace characters (<see cref="char.IsWhiteSpace(char)"/>); its word is the run with leading and trailing
/// punctuation and symbols (<see cref="char.IsPunctuation(char)"/>, <see cref="char.IsSymbol(char)"/>) stripped, so
/// "economy," and "“economy" are the word "economy" while "America's" and "U.S." keep their inner marks ("U.S").
/// Words compare ordinally and case-sensitively. A run of punctuation only has no word (empty).
/// </summary>
public static class Words
{
    /// <summary>The word of one run: <paramref name="run"/> without leading and trailing punctuation and symbols.</summary>
    public static string Strip(ReadOnlySpan<char> run)
    {
        var start = 0;
        var end = run.Length;
        while (start < end && IsMark(run[start]))
        {
            start++;
        }

        while (end > start && IsMark(run[end - 1]))
        {
            end--;
        }

        return run[start..end].ToString();
    }

    /// <summary>The [start, end) character ranges of every run in <paramref name="text"/>, in order.</summary>
    public static List<Range> Runs(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var runs = new List<Range>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                runs.Add(start..i);
            }
        }

        return runs;
    }

    /// <summary>
    /// The word a continuation of a prompt predicts. The prompt ends right after a run, so a continuation that starts
    /// a new word starts with whitespace; its predicted word is the word of its first run. A continuation that starts
    /// with anything else extends the prompt's last run and predicts no word (empty, never a target).
    /// <paramref name="complete"/> is true once the predicted word can no longer change: the first run is followed by
    /// whitespace, or the continuation does not start with whitespace. Until then the word so far is returned.
    /// </summary>
    public static string FirstWord(ReadOnlySpan<char> continuation, out bool complete)
    {
        if (continuation.IsEmpty)
        {
            complete = false;
            return string.Empty;
        }

        if (!char.IsWhiteSpace(continuation[0]))
        {
            complete = true;
            return string.Empty;
        }

        var start = 0;
        while (start < continuation.Length && char.IsWhiteSpace(continuation[start]))
        {
            start++;
        }

        var end = start;
        while (end < continuation.Length && !char.IsWhiteSpace(continuation[end]))
        {
            end++;
        }

        complete = end > start && end < continuation.Length;
        return Strip(continuation[start..end]);
    }

    private static bool IsMark(char c) => char.IsPunctuation(c) || char.IsSymbol(c);
}
