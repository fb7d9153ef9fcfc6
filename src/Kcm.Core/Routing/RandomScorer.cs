namespace Kcm.Core.Routing;

/// <summary>
/// The random baseline: a uniform score in [0, 1) from a hash of the sample's features and a seed, so the same
/// sample always gets the same score and concurrent calls need no shared state.
/// </summary>
public sealed class RandomScorer(int inputSize, int seed) : IConfidenceScorer
{
    public int InputSize { get; } = inputSize >= 1 ? inputSize : throw new ArgumentOutOfRangeException(nameof(inputSize));

    public void Score(ReadOnlySpan<float> inputs, int batchSize, Span<float> scores)
    {
        for (var b = 0; b < batchSize; b++)
        {
            // FNV-1a over the feature bits, then a splitmix64 finaliser for well-spread low bits.
            var hash = 14695981039346656037UL ^ (ulong)(uint)seed;
            foreach (var value in inputs.Slice(b * InputSize, InputSize))
            {
                hash = (hash ^ BitConverter.SingleToUInt32Bits(value)) * 1099511628211UL;
            }

            hash ^= hash >> 30;
            hash *= 0xBF58476D1CE4E5B9UL;
            hash ^= hash >> 27;
            hash *= 0x94D049BB133111EBUL;
            hash ^= hash >> 31;
            scores[b] = (float)((hash >> 40) * (1.0 / (1UL << 24)));
        }
    }
}
