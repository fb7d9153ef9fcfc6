using Kcm.Abstractions.Classification;

namespace Kcm.Client;

/// <summary>The cluster refused the batch (wrong shape for the model, non-finite values) or no model gave a finite answer for a row. Not retriable.</summary>
public sealed class KcmInvalidInputException : KcmException
{
    public KcmInvalidInputException(string message, ClassifyStatus status, int row)
        : base(message, retriable: false)
    {
        Status = status;
        Row = row;
    }

    /// <summary><see cref="ClassifyStatus.InvalidInput"/> or <see cref="ClassifyStatus.NonFiniteOutput"/>.</summary>
    public ClassifyStatus Status { get; }

    /// <summary>The row at fault, or -1 when the batch as a whole is.</summary>
    public int Row { get; }
}
