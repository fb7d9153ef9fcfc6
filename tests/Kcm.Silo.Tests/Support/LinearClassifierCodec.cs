using System.Runtime.InteropServices;
using Kcm.Core.Models;
using Kcm.Grains.Small;

namespace Kcm.Silo.Tests.Support;

/// <summary>Stores a <see cref="LinearClassifier"/> as two int32 sizes then the float32 weights and bias.</summary>
internal sealed class LinearClassifierCodec : IClassifierCodec
{
    public byte[] Encode(IClassifier classifier)
    {
        var linear = (LinearClassifier)classifier;
        var header = new[] { linear.InputSize, linear.ClassCount };
        return [.. MemoryMarshal.AsBytes(header.AsSpan()), .. MemoryMarshal.AsBytes(linear.Weights.AsSpan()), .. MemoryMarshal.AsBytes(linear.Bias.AsSpan())];
    }

    public IClassifier Decode(ReadOnlySpan<byte> content)
    {
        if (content.Length < 8)
        {
            throw new InvalidDataException("Too short for a linear classifier.");
        }

        var sizes = MemoryMarshal.Cast<byte, int>(content[..8]);
        var (inputs, classes) = (sizes[0], sizes[1]);
        var floats = MemoryMarshal.Cast<byte, float>(content[8..]);
        if (floats.Length != (inputs * classes) + classes)
        {
            throw new InvalidDataException($"Expected {(inputs * classes) + classes} floats, got {floats.Length}.");
        }

        return new LinearClassifier(inputs, classes, floats[..(inputs * classes)].ToArray(), floats[(inputs * classes)..].ToArray());
    }
}
