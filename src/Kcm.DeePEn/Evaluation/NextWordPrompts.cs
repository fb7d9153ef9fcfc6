namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// Draws next-word prompts from addresses: each address is cut into sentence-aligned passages
/// (<see cref="Passages.Split"/>), and the addresses take turns (so prompts spread over all of them); each turn takes
/// the address's next passage in a seeded random order and cuts it before a seeded random run that has at least
/// <c>minContextWords</c> runs before it and a non-empty word. Once every passage of an address has given a prompt,
/// its passages are visited again for other cuts. A prompt that <c>fits</c> rejects (e.g. too many tokens for some
/// model's context) is skipped and counted.
/// </summary>
public static class NextWordPrompts
{
    public static IReadOnlyList<NextWordPrompt> Sample(
        IReadOnlyList<SotuAddress> addresses,
        int count,
        int seed,
        int passageCharacters,
        int minContextWords,
        Func<string, bool> fits,
        out int skipped)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(fits);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(minContextWords, 1);
        var random = new Random(seed);
        var sources = addresses.Select(a => new AddressCuts(a, passageCharacters, minContextWords, random)).Where(s => s.HasCuts).ToList();
        var prompts = new List<NextWordPrompt>(count);
        skipped = 0;
        while (prompts.Count < count && sources.Count > 0)
        {
            for (var i = 0; i < sources.Count && prompts.Count < count; i++)
            {
                if (!sources[i].TryNext(random, out var prompt))
                {
                    sources.RemoveAt(i--);
                    continue;
                }

                if (fits(prompt.Text))
                {
                    prompts.Add(prompt);
                }
                else
                {
                    skipped++;
                }
            }
        }

        return prompts;
    }

    /// <summary>The cuts left in one address's passages, visited passage by passage in a seeded order.</summary>
    private sealed class AddressCuts
    {
        private readonly int _year;
        private readonly List<(string Passage, List<Range> Runs, List<int> Targets)> _passages = [];
        private int _next;

        public AddressCuts(SotuAddress address, int passageCharacters, int minContextWords, Random random)
        {
            _year = address.Year;
            foreach (var passage in Passages.Split(address.Text, passageCharacters))
            {
                var runs = Words.Runs(passage);
                var targets = new List<int>();
                for (var r = minContextWords; r < runs.Count; r++)
                {
                    if (Words.Strip(passage.AsSpan(runs[r])).Length > 0)
                    {
                        targets.Add(r);
                    }
                }

                if (targets.Count > 0)
                {
                    _passages.Add((passage, runs, targets));
                }
            }

            var order = _passages.ToArray();
            random.Shuffle(order);
            _passages.Clear();
            _passages.AddRange(order);
        }

        public bool HasCuts => _passages.Count > 0;

        public bool TryNext(Random random, out NextWordPrompt prompt)
        {
            prompt = null!;
            if (_passages.Count == 0)
            {
                return false;
            }

            if (_next >= _passages.Count)
            {
                _next = 0;
            }

            var (passage, runs, targets) = _passages[_next];
            var pick = random.Next(targets.Count);
            var run = targets[pick];

            // Each cut is used once; a passage with no cuts left leaves the rotation.
            targets.RemoveAt(pick);
            if (targets.Count == 0)
            {
                _passages.RemoveAt(_next);
            }
            else
            {
                _next++;
            }

            var end = runs[run - 1].End.Value;
            prompt = new NextWordPrompt(passage[..end], Words.Strip(passage.AsSpan(runs[run])), _year);
            return true;
        }
    }
}
