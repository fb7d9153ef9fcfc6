using Kcm.Core.Models;
using Kcm.Core.Weights;

namespace Kcm.Models;

/// <summary>Stores KAN and MLP classifiers as safetensors (architecture and checksum in the metadata) for the model store.</summary>
public sealed class SafetensorsClassifierCodec(TimeProvider? time = null)
{
    /// <summary>The "version" metadata of files written by serving: the model store numbers versions itself.</summary>
    public const string VersionLabel = "kcm-serving";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The classifier's weights as one self-describing byte array.</summary>
    /// <exception cref="ArgumentException">The classifier cannot export its weights.</exception>
    public byte[] Encode(IClassifier classifier)
    {
        if (classifier is not IExportableClassifier exportable)
        {
            throw new ArgumentException($"{classifier.GetType().Name} cannot export its weights.", nameof(classifier));
        }

        return ClassifierWeights.Encode(exportable, VersionLabel, _time.GetUtcNow());
    }

    /// <summary>A new immutable classifier from bytes made by <see cref="Encode"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a classifier's safetensors file.</exception>
    public IClassifier Decode(ReadOnlyMemory<byte> content)
    {
        try
        {
            return ClassifierWeights.Decode(content).Classifier;
        }
        catch (Exception e) when (e is not InvalidDataException and not OperationCanceledException)
        {
            throw new InvalidDataException("The stored weights are not a classifier's safetensors file: " + e.Message, e);
        }
    }
}
