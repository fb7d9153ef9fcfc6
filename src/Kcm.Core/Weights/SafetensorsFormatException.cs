namespace Kcm.Core.Weights;

/// <summary>
/// A safetensors file or buffer that cannot be trusted: bad header, shape/offset mismatch, truncation or a checksum
/// that does not match. An <see cref="IOException"/> like the other ways reading a file can fail.
/// </summary>
public sealed class SafetensorsFormatException : IOException
{
    public SafetensorsFormatException(string source, string problem)
        : base($"Invalid safetensors {source}: {problem}.")
    {
        Location = source;
        Problem = problem;
    }

    public SafetensorsFormatException(string source, string problem, Exception innerException)
        : base($"Invalid safetensors {source}: {problem}.", innerException)
    {
        Location = source;
        Problem = problem;
    }

    /// <summary>What was read: a file path or "buffer".</summary>
    public string Location { get; }

    /// <summary>What is wrong, without the source.</summary>
    public string Problem { get; }
}
