using Kcm.DeePEn.Ensemble;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// The passages an evaluation scores: every address cut into passages, in a seeded random order (so a cap spreads
/// over all addresses), skipping any that exceeds some model's context, until one model's scored positions (its
/// tokens after the first) reach the cap.
/// </summary>
internal static class HeldOutPassages
{
    /// <param name="addresses">The held-out addresses.</param>
    /// <param name="members">Every model that must read each passage.</param>
    /// <param name="countingMember">The model whose positions count toward the cap.</param>
    /// <param name="passageCharacters">Longest passage (<see cref="Passages.Split"/>).</param>
    /// <param name="seed">Seeds the order.</param>
    /// <param name="maxPositions">The cap.</param>
    /// <param name="skipped">Passages left out for exceeding a context.</param>
    public static List<string> Select(
        IReadOnlyList<SotuAddress> addresses,
        IReadOnlyList<EnsembleMember> members,
        int countingMember,
        int passageCharacters,
        int seed,
        int maxPositions,
        out int skipped)
    {
        var all = addresses.SelectMany(a => Passages.Split(a.Text, passageCharacters)).ToArray();
        new Random(seed).Shuffle(all);
        var chosen = new List<string>();
        var positions = 0;
        skipped = 0;
        foreach (var passage in all)
        {
            var fits = true;
            var counted = 0;
            for (var i = 0; i < members.Count; i++)
            {
                var length = members[i].Tokenizer.Encode(passage).Length;
                fits &= length <= members[i].Context;
                if (i == countingMember)
                {
                    counted = length - 1;
                }
            }

            if (!fits)
            {
                skipped++;
                continue;
            }

            chosen.Add(passage);
            positions += counted;
            if (positions >= maxPositions)
            {
                break;
            }
        }

        return chosen;
    }
}
