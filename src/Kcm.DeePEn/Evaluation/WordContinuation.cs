using System.Diagnostics;
using System.Text;
using Kcm.DeePEn.Ensemble;

namespace Kcm.DeePEn.Evaluation;

/// <summary>The greedy continuation of one prompt until it holds one complete word (<see cref="Words.FirstWord"/>), or a token cap.</summary>
/// <param name="Word">The predicted word (empty when none).</param>
/// <param name="Tokens">Tokens generated.</param>
/// <param name="FusedSteps">Steps that fused the members' distributions.</param>
/// <param name="Elapsed">Wall time of the whole decoding, the prompt's forward passes included.</param>
/// <param name="StepsAfterPrompt">Wall time of the steps after the first (the first step's time includes running the prompt).</param>
public readonly record struct WordContinuation(string Word, int Tokens, int FusedSteps, TimeSpan Elapsed, TimeSpan StepsAfterPrompt)
{
    /// <summary>Decodes <paramref name="prompt"/> with <paramref name="decoder"/> until its first word is complete or <paramref name="maxTokens"/> tokens.</summary>
    public static WordContinuation Generate(DeePEnEnsemble decoder, string prompt, int maxTokens, StringBuilder buffer)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.Clear();
        var tokens = 0;
        var fused = 0;
        var afterPrompt = TimeSpan.Zero;
        var word = string.Empty;
        var started = Stopwatch.GetTimestamp();
        foreach (var step in decoder.Decode(prompt, maxTokens))
        {
            tokens++;
            fused += step.Fused ? 1 : 0;
            afterPrompt += step.Index > 0 ? step.Elapsed : TimeSpan.Zero;
            buffer.Append(step.Text);
            word = Words.FirstWord(buffer.ToString(), out var complete);
            if (complete)
            {
                break;
            }
        }

        return new WordContinuation(word, tokens, fused, Stopwatch.GetElapsedTime(started), afterPrompt);
    }
}
