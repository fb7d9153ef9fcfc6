namespace Kcm.Core.Models;

/// <summary>
/// A classifier whose weights can be saved as named float32 tensors plus an architecture text, and rebuilt from them
/// with <see cref="ClassifierTensors.Restore"/>. The safetensors writer stores <see cref="Architecture"/> in its metadata.
/// </summary>
public interface IExportableClassifier : IClassifier
{
    /// <summary>The architecture and its sizes, e.g. "mlp:784-64-10" or "kan:784-32-10;image=28;pool=2;grid=5;order=3;range=0..1,-1..1".</summary>
    string Architecture { get; }

    /// <summary>Every weight tensor by name, with its shape and a copy of its values (row-major).</summary>
    IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors();
}
