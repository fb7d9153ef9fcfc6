using System.Buffers.Binary;
using Kcm.Core.Models;
using Kcm.Grains.Small;

namespace Kcm.Grains.Tests.Judge;

/// <summary>A two-feature, two-class classifier whose logits are its inputs times a scale: a larger scale, a more confident judge.</summary>
internal sealed class ScaledClassifier(float scale) : IClassifier
{
    public float Scale => scale;

    public int InputSize => 2;

    public int ClassCount => 2;

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        for (var i = 0; i < batchSize * 2; i++)
        {
            logits[i] = inputs[i] * scale;
        }
    }
}

/// <summary>Stores a <see cref="ScaledClassifier"/> as its four-byte scale.</summary>
internal sealed class ScaledClassifierCodec : IClassifierCodec
{
    public byte[] Encode(IClassifier classifier)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, ((ScaledClassifier)classifier).Scale);
        return bytes;
    }

    public IClassifier Decode(ReadOnlySpan<byte> content) =>
        content.Length == 4 ? new ScaledClassifier(BinaryPrimitives.ReadSingleLittleEndian(content)) : throw new InvalidDataException("not four bytes");
}
