using Kcm.Core.Models;

namespace Kcm.Grains.Tests.Large;

/// <summary>A two-feature, two-class classifier whose logits are its inputs.</summary>
internal sealed class IdentityClassifier : IClassifier
{
    public int InputSize => 2;

    public int ClassCount => 2;

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) => inputs[..(batchSize * 2)].CopyTo(logits);
}
