using Kcm.Core.Models;

namespace Kcm.Core.Weights;

/// <summary>A classifier loaded from a KCM safetensors file, with what its metadata says about it.</summary>
public sealed record StoredClassifier(IExportableClassifier Classifier, string Architecture, string Version, DateTimeOffset Created, string Sha256);
