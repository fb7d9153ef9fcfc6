namespace Kcm.DeePEn.Evaluation;

/// <summary>Cuts text into passages of whole sentences of at most a given length (a longer sentence is cut at a space).</summary>
public static class Passages
{
    public static IReadOnlyList<string> Split(string text, int maxCharacters)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharacters, 16);
        var sentences = Sentences(text);
        var passages = new List<string>();
        var current = string.Empty;
        foreach (var sentence in sentences)
        {
            foreach (var piece in CutLong(sentence, maxCharacters))
            {
                if (current.Length > 0 && current.Length + 1 + piece.Length > maxCharacters)
                {
                    passages.Add(current);
                    current = string.Empty;
                }

                current = current.Length == 0 ? piece : current + " " + piece;
            }
        }

        if (current.Length > 0)
        {
            passages.Add(current);
        }

        return passages;
    }

    // A sentence ends at '.', '!' or '?' followed by a space.
    private static List<string> Sentences(string text)
    {
        var sentences = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (text[i] is '.' or '!' or '?' && text[i + 1] == ' ')
            {
                Add(sentences, text[start..(i + 1)]);
                start = i + 2;
            }
        }

        Add(sentences, text[start..]);
        return sentences;
    }

    private static void Add(List<string> sentences, string sentence)
    {
        var trimmed = sentence.Trim();
        if (trimmed.Length > 0)
        {
            sentences.Add(trimmed);
        }
    }

    private static IEnumerable<string> CutLong(string sentence, int maxCharacters)
    {
        var rest = sentence;
        while (rest.Length > maxCharacters)
        {
            var cut = rest.LastIndexOf(' ', maxCharacters);
            if (cut <= 0)
            {
                cut = maxCharacters;
            }

            yield return rest[..cut].Trim();
            rest = rest[cut..].Trim();
        }

        if (rest.Length > 0)
        {
            yield return rest;
        }
    }
}
