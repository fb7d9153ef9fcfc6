namespace Kcm.Core.Data;

/// <summary>
/// A data file that is not in the expected format. The message names the file and the problem,
/// e.g. "/data/x.idx: truncated: expected 47040000 bytes of pixel data, found 1024".
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string filePath, string problem, Exception? innerException = null)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file that is malformed.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
