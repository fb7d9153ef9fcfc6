using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// The main model's perplexity with and without fusion at the same teacher-forced positions: each passage is fed
/// as the main model's own tokens (the assistants see its decoded text), and at each position the NLL of the true
/// next token is taken under softmax of the main model's logits and under softmax of the inverse search's updated
/// logits (<see cref="DeePEnFusion.UpdatedLogits"/>). A passage's first tokens up to its first complete character
/// are context only (the assistants need text).
/// </summary>
public static class FusedPerplexity
{
    public static FusionPerplexityFigures Measure(EnsembleDecoder decoder, DeePEnFusion fusion, IReadOnlyList<string> passages, int maxPositions, string mode)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(fusion);
        ArgumentNullException.ThrowIfNull(passages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPositions);
        var main = decoder.MainModel;
        var tokenizer = decoder.Main.Tokenizer;
        double without = 0;
        double with = 0;
        var positions = 0;
        var scoredPassages = 0;
        foreach (var passage in passages)
        {
            var tokens = tokenizer.Encode(passage);
            var first = 1;
            while (first < tokens.Length && EnsembleDecoder.TextOf(tokenizer, tokens.AsSpan(0, first)).Length == 0)
            {
                first++;
            }

            if (first >= tokens.Length)
            {
                continue;
            }

            scoredPassages++;
            decoder.Start(tokens.AsSpan(0, first));
            for (var t = first; t < tokens.Length && positions < maxPositions; t++)
            {
                var mainLogits = decoder.Logits(main);
                without += TokenPerplexity.NegativeLogLikelihood(mainLogits, tokens[t]);
                DeePEnEnsemble.NextToken(decoder, fusion, fusion.ModelCount);
                with += TokenPerplexity.NegativeLogLikelihood(fusion.UpdatedLogits, tokens[t]);
                positions++;
                if (t < tokens.Length - 1)
                {
                    decoder.Append(tokens[t]);
                }
            }

            if (positions >= maxPositions)
            {
                break;
            }
        }

        return positions == 0
            ? new FusionPerplexityFigures(decoder.Main.Name, mode, scoredPassages, 0, double.NaN, double.NaN)
            : new FusionPerplexityFigures(decoder.Main.Name, mode, scoredPassages, positions, Math.Exp(without / positions), Math.Exp(with / positions));
    }
}
