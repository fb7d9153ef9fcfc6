using System.Globalization;
using Kcm.Core.Models;

namespace Kcm.Core.Weights;

/// <summary>
/// Saves and loads KCM classifiers (KAN judge, MLP small model) as safetensors: float32 tensors named by the
/// network, with "architecture", "version", "created" and "sha256" in the metadata. Loading refuses a file whose
/// checksum, metadata, tensor names or shapes do not match with a <see cref="SafetensorsFormatException"/>.
/// </summary>
public static class ClassifierWeights
{
    /// <summary>The file's bytes.</summary>
    public static byte[] Encode(IExportableClassifier classifier, string version, DateTimeOffset created) =>
        SafetensorsWriter.ToBytes(Tensors(classifier), Metadata(classifier, version, created));

    /// <summary>Writes the file atomically (temporary file, then rename).</summary>
    public static void Save(IExportableClassifier classifier, string path, string version, DateTimeOffset created) =>
        SafetensorsWriter.WriteFile(path, Tensors(classifier), Metadata(classifier, version, created));

    /// <summary>Loads bytes made by <see cref="Encode"/>.</summary>
    public static StoredClassifier Decode(ReadOnlyMemory<byte> bytes)
    {
        using var file = SafetensorsFile.FromMemory(bytes, verifyChecksum: false);
        return Restore(file);
    }

    /// <summary>Loads a file made by <see cref="Save"/>.</summary>
    public static StoredClassifier Load(string path)
    {
        using var file = SafetensorsFile.Open(path, verifyChecksum: false);
        return Restore(file);
    }

    private static StoredClassifier Restore(SafetensorsFile file)
    {
        // Our files always carry a checksum: one without it was not written by us or lost its header.
        file.VerifyChecksum();
        var architecture = Required(file, SafetensorsMetadataKeys.Architecture);
        var version = Required(file, SafetensorsMetadataKeys.Version);
        var createdText = Required(file, SafetensorsMetadataKeys.Created);
        if (!DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created))
        {
            throw new SafetensorsFormatException(file.Source, $"metadata '{SafetensorsMetadataKeys.Created}' is '{createdText}', not an ISO 8601 time");
        }

        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>(StringComparer.Ordinal);
        foreach (var entry in file.Header.Tensors)
        {
            if (entry.DType != TensorDType.F32)
            {
                throw new SafetensorsFormatException(file.Source, $"tensor '{entry.Name}' is {TensorDTypes.Name(entry.DType)}; classifier weights are F32");
            }

            tensors[entry.Name] = (entry.IntShape(), file.ReadFloat32(entry.Name));
        }

        try
        {
            var classifier = ClassifierTensors.Restore(architecture, tensors);
            return new StoredClassifier(classifier, architecture, version, created, file.Header.Metadata[SafetensorsMetadataKeys.Sha256]);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new SafetensorsFormatException(file.Source, $"the tensors do not fit architecture '{architecture}': {e.Message}", e);
        }
    }

    private static string Required(SafetensorsFile file, string key) =>
        file.Metadata.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new SafetensorsFormatException(file.Source, $"metadata '{key}' is missing");

    private static List<TensorData> Tensors(IExportableClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var tensors = new List<TensorData>();
        foreach (var (name, (shape, data)) in classifier.ExportTensors())
        {
            tensors.Add(TensorData.FromFloat32(name, shape, data));
        }

        return tensors;
    }

    private static Dictionary<string, string> Metadata(IExportableClassifier classifier, string version, DateTimeOffset created)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SafetensorsMetadataKeys.Format] = "pt",
            [SafetensorsMetadataKeys.Architecture] = classifier.Architecture,
            [SafetensorsMetadataKeys.Version] = version,
            [SafetensorsMetadataKeys.Created] = created.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        };
    }
}
