using System.Buffers.Binary;
using Kcm.Core.Models;
using Kcm.Grains.Small;

namespace Kcm.Cluster.Tests.Support;

/// <summary>A classifier whose every logit is one number, so a test can tell versions apart by their answers.</summary>
public sealed class BiasClassifier(float bias) : IClassifier
{
    public float Bias { get; } = bias;

    public int InputSize => 4;

    public int ClassCount => 3;

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) => logits[..(batchSize * ClassCount)].Fill(Bias);

    /// <summary>Stores the bias as four little-endian bytes.</summary>
    public sealed class Codec : IClassifierCodec
    {
        public byte[] Encode(IClassifier classifier)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(bytes, ((BiasClassifier)classifier).Bias);
            return bytes;
        }

        public IClassifier Decode(ReadOnlySpan<byte> content) => content.Length == 4
            ? new BiasClassifier(BinaryPrimitives.ReadSingleLittleEndian(content))
            : throw new InvalidDataException($"a bias classifier is 4 bytes, not {content.Length}");
    }
}
