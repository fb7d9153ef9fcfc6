using Kcm.Core.Models;
using Kcm.Core.Weights;
using Kcm.Grains.Small;

namespace Kcm.Silo.Embedded;

/// <summary>Stores KAN and MLP classifiers as safetensors (architecture and checksum in the metadata).</summary>
public sealed class SafetensorsClassifierCodec : IClassifierCodec
{
    /// <summary>The "version" metadata of files written by the silo: the model store numbers versions itself.</summary>
    public const string VersionLabel = "kcm-silo";

    public byte[] Encode(IClassifier classifier)
    {
        if (classifier is not IExportableClassifier exportable)
        {
            throw new ArgumentException($"{classifier.GetType().Name} cannot export its weights.", nameof(classifier));
        }

        return ClassifierWeights.Encode(exportable, VersionLabel, DateTimeOffset.UtcNow);
    }

    public IClassifier Decode(ReadOnlySpan<byte> content) => ClassifierWeights.Decode(content.ToArray()).Classifier;
}
