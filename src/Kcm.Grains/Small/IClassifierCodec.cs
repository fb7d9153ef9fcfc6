using Kcm.Core.Models;

namespace Kcm.Grains.Small;

/// <summary>Turns a classifier into bytes for the model store and back (the embedded default uses safetensors).</summary>
public interface IClassifierCodec
{
    /// <summary>The classifier's weights as one self-describing byte array.</summary>
    byte[] Encode(IClassifier classifier);

    /// <summary>A new immutable classifier from bytes made by <see cref="Encode"/>; throws <see cref="InvalidDataException"/> when they do not decode.</summary>
    IClassifier Decode(ReadOnlySpan<byte> content);
}
