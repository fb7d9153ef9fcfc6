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
    /// <summary>Perplexity per own token and bits per UTF-8 byte of the scored text (NaN when nothing was scored).</summary>
    public static (double Perplexity, double BitsPerByte) Measure(EnsembleMember member, IReadOnlyList<string> passages)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(passages);
        double loss = 0;
        long tokens = 0;
        long bytes = 0;
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
                loss += NegativeLogLikelihood(logits.AsSpan(i * vocabulary, vocabulary), ids[i + 1]);
            }

            tokens += ids.Length - 1;
            bytes += Encoding.UTF8.GetByteCount(passage) - Encoding.UTF8.GetByteCount(member.Tokenizer.Decode(ids.AsSpan(0, 1)));
        }

        return tokens == 0 || bytes <= 0 ? (double.NaN, double.NaN) : (Math.Exp(loss / tokens), loss / bytes / Math.Log(2));
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
