namespace Kcm.Abstractions.Classification;

/// <summary>
/// The answer to a <see cref="ClassifyBatch"/>, one column per field (no object per sample). When
/// <paramref name="Status"/> is not <see cref="ClassifyStatus.Completed"/> no row was answered and the arrays are empty.
/// </summary>
/// <param name="Status">How the batch ended.</param>
/// <param name="Labels">Each row's predicted class.</param>
/// <param name="Routes">Which model answered each row.</param>
/// <param name="Confidences">Each row's routing score, compared with <paramref name="Threshold"/>: the judge's confidence (max softmax) unless the version was calibrated for another score (<c>Kcm:Calibration:Score</c>).</param>
/// <param name="Probabilities">Rows x classes, when asked for; else empty.</param>
/// <param name="HintApplied">
/// Whether the large model read the small model's probabilities (false when it takes no hint or the hint is turned
/// off); per row as <see cref="HintOf"/>. A bool on the wire, as the first version sent it (a member is never retyped).
/// </param>
/// <param name="SmallModelVersion">The small model version the judge and small route used.</param>
/// <param name="Threshold">The judge threshold in force for the batch.</param>
/// <param name="FailedRow">For <see cref="ClassifyStatus.NonFiniteOutput"/>: the row no model could answer; else -1.</param>
/// <param name="Detail">Why the batch was not answered, for people; empty when completed.</param>
[GenerateSerializer, Immutable, Alias("kcm.classify-result")]
public sealed record ClassifyResult(
    ClassifyStatus Status,
    int[] Labels,
    SampleRoute[] Routes,
    float[] Confidences,
    float[] Probabilities,
    bool HintApplied,
    int SmallModelVersion,
    double Threshold,
    int FailedRow,
    string Detail)
{
    /// <summary>
    /// Whether the large model read the hint for row <paramref name="row"/>: <see cref="HintUse.Used"/> or
    /// <see cref="HintUse.Unused"/> on the large route, null on the small route (the small model answered; no hint).
    /// </summary>
    public HintUse? HintOf(int row) => Routes[row] == SampleRoute.Large ? (HintApplied ? HintUse.Used : HintUse.Unused) : null;

    /// <summary>A batch answered by nobody, for <paramref name="detail"/>'s reason.</summary>
    public static ClassifyResult Refused(ClassifyStatus status, string detail, int failedRow = -1) =>
        new(status, [], [], [], [], false, 0, 0, failedRow, detail);
}
