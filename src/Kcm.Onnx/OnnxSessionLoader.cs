using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx;

/// <summary>Creates ONNX Runtime sessions from <see cref="OnnxSessionOptions"/>, with a typed error for a missing model file.</summary>
public static class OnnxSessionLoader
{
    /// <summary>
    /// Loads a model file. Missing file: <see cref="OnnxModelNotFoundException"/>; bad options:
    /// <see cref="OnnxOptionsException"/>; CUDA unavailable: <see cref="OnnxProviderUnavailableException"/>; unreadable
    /// model: ONNX Runtime's own <see cref="OnnxRuntimeException"/> (its message names the file).
    /// </summary>
    public static InferenceSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= OnnxSessionOptions.Default;
        options.Validate();
        var fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath))
        {
            throw new OnnxModelNotFoundException(fullPath);
        }

        using var sessionOptions = options.CreateSessionOptions();
        return new InferenceSession(fullPath, sessionOptions);
    }

    /// <summary>Loads a model from its serialized bytes (not needed after this returns).</summary>
    public static InferenceSession Load(byte[] model, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Length == 0)
        {
            throw new ArgumentException("The model bytes are empty.", nameof(model));
        }

        options ??= OnnxSessionOptions.Default;
        using var sessionOptions = options.CreateSessionOptions();
        return new InferenceSession(model, sessionOptions);
    }
}
