using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Scaled;

namespace Kcm.Core.Models;

/// <summary>Rebuilds a classifier from its architecture text and named tensors (what <see cref="IExportableClassifier"/> exports).</summary>
public static class ClassifierTensors
{
    /// <summary>An <see cref="MlpClassifier"/> for "mlp:...", a <see cref="KanClassifier"/> for "kan:...", a <see cref="Kcm.Core.Scaled.ScaledInputClassifier"/> for "scaled+" before either; throws <see cref="FormatException"/> for anything else.</summary>
    public static IExportableClassifier Restore(string architecture, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(tensors);
        if (architecture.StartsWith(ScaledInputNetwork.ArchitecturePrefix, StringComparison.Ordinal))
        {
            return ScaledInputClassifier.FromTensors(architecture, tensors);
        }

        if (architecture.StartsWith(MlpNetwork.ArchitecturePrefix, StringComparison.Ordinal))
        {
            return MlpClassifier.FromTensors(architecture, tensors);
        }

        if (architecture.StartsWith(KanArchitecture.ArchitecturePrefix, StringComparison.Ordinal))
        {
            return KanClassifier.FromTensors(architecture, tensors);
        }

        throw new FormatException($"Unknown classifier architecture '{architecture}' (expected 'mlp:...', 'kan:...' or 'scaled+' before either).");
    }
}
