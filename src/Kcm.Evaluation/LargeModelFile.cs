using Kcm.Core.Models;
using Kcm.Onnx;

namespace Kcm.Evaluation;

/// <summary>Loads the large model of an evaluation: a hint-reading ONNX model as a <see cref="HintedOnnxClassifier"/>, any other as an <see cref="OnnxClassifier"/>.</summary>
public static class LargeModelFile
{
    public static IClassifier Load(string path, OnnxSessionOptions? options = null)
    {
        var session = OnnxSessionLoader.Load(path, options);
        try
        {
            // The hint input is found as the silo finds it: by shape, whatever its name.
            var choice = HintInputDetection.Choose(Path.GetFileName(path), session, configured: null);
            return choice.HintInput is null ? new OnnxClassifier(session) : HintedOnnxClassifier.Create(session, choice);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
