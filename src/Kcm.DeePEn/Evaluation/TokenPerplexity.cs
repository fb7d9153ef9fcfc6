using System.Numerics.Tensors;
using System.Text;
using Kcm.DeePEn.Ensemble;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// A model's held-out cross-entropy on its own tokenisation of whole passages (one full-sequence forward per
/// passage); a passage's first token has no context and is not scored.
/// </summary>
public static class TokenPerplexity
{
    /// <summary>Perplexity per own token, bits per UTF-8 byte of the scored text and next-token accuracy (NaN when nothing was scored).</summary>
    public static OwnTokenFigures Measure(EnsembleMember member, IReadOnlyList<string> passages)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(passages);
        double loss = 0;
        long tokens = 0;
        long bytes = 0;
        long correct = 0;
        foreach (var passage in passages)
        {
            var ids = member.Tokenizer.Encode(passage);
            if (ids.Length < 2)
            {
                continue;
            }

            var logits = member.Model.Forward(Array.ConvertAll(ids, id => (long)id), member.Model.CreateCache());
            var vocabulary = logits.Length / ids.Length;
            for (var i = 0; i + 1 < ids.Length; i++)
            {
                var row = logits.AsSpan(i * vocabulary, vocabulary);
                loss += NegativeLogLikelihood(row, ids[i + 1]);
                correct += TensorPrimitives.IndexOfMax(row) == ids[i + 1] ? 1 : 0;
            }

            tokens += ids.Length - 1;
            bytes += Encoding.UTF8.GetByteCount(passage) - Encoding.UTF8.GetByteCount(member.Tokenizer.Decode(ids.AsSpan(0, 1)));
        }

        return tokens == 0 || bytes <= 0
            ? new OwnTokenFigures(double.NaN, double.NaN, double.NaN)
            : new OwnTokenFigures(Math.Exp(loss / tokens), loss / bytes / Math.Log(2), (double)correct / tokens);
    }

    /// <summary>-log softmax(logits)[target], in double precision.</summary>
    public static double NegativeLogLikelihood(ReadOnlySpan<float> logits, int target)
    {
        var max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (var value in logits)
        {
            sum += Math.Exp(value - max);
        }

        return max + Math.Log(sum) - logits[target];
    }
}

/// <summary>A model's figures on held-out text in its own tokenisation.</summary>
/// <param name="Perplexity">Per own token.</param>
/// <param name="BitsPerByte">Per UTF-8 byte of the scored text (comparable across tokenizers).</param>
/// <param name="Accuracy">Top-1 next-token accuracy.</param>
public sealed record OwnTokenFigures(double Perplexity, double BitsPerByte, double Accuracy);
