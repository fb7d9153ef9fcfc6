namespace Kcm.DeePEn.Fusion;

/// <summary>A relative matrix cache file that is missing, unreadable, stale or of another shape: it must be rebuilt.</summary>
public sealed class RelativeMatrixFileException : Exception
{
    public RelativeMatrixFileException(string path, string problem)
        : base($"Relative matrix file {path}: {problem}")
    {
        FilePath = path;
        Problem = problem;
    }

    public RelativeMatrixFileException(string path, string problem, Exception innerException)
        : base($"Relative matrix file {path}: {problem}", innerException)
    {
        FilePath = path;
        Problem = problem;
    }

    public string FilePath { get; }

    public string Problem { get; }
}
