using Kcm.Core.Models;
using Kcm.Onnx;

namespace Kcm.Evaluation;

/// <summary>Loads the large model of an evaluation: a hint-reading ONNX model as a <see cref="HintedOnnxClassifier"/>, any other as an <see cref="OnnxClassifier"/>.</summary>
public static class LargeModelFile
{
    public static IClassifier Load(string path, OnnxSessionOptions? options = null)
    {
        var session = OnnxSessionLoader.Load(path, options);
        return HintedOnnxClassifier.Reads(session) ? HintedOnnxClassifier.Create(session) : new OnnxClassifier(session);
    }
}
