using Kcm.Abstractions.Classification;

namespace Kcm.Client;

/// <summary>Maps a classification the cluster did not complete to the typed exception its status calls for.</summary>
internal static class ClassifyFailures
{
    public static KcmException ToException(string model, ClassifyResult result)
    {
        var detail = string.IsNullOrEmpty(result.Detail) ? "" : $": {result.Detail}";
        return result.Status switch
        {
            ClassifyStatus.Overloaded =>
                new KcmOverloadedException($"classify on '{model}': the large model is overloaded{detail}"),
            ClassifyStatus.DeadlineExceeded or ClassifyStatus.ShuttingDown or ClassifyStatus.NotReady =>
                new KcmUnavailableException($"classify on '{model}': {result.Status}{detail}", result.Status),
            ClassifyStatus.InvalidInput or ClassifyStatus.NonFiniteOutput =>
                new KcmInvalidInputException(
                    $"classify on '{model}': {result.Status}{(result.FailedRow >= 0 ? $" (row {result.FailedRow})" : "")}{detail}",
                    result.Status, result.FailedRow),
            // A status this client does not know (a newer silo): not safe to assume retrying helps.
            _ => new KcmInvalidInputException($"classify on '{model}': unknown status {result.Status}{detail}", result.Status, result.FailedRow),
        };
    }
}
