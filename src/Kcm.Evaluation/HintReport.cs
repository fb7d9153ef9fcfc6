namespace Kcm.Evaluation;

/// <summary>
/// The large model read with and without the small model's probabilities as a hint (null in the report when the large
/// model takes no hint). On the test rows: large-only accuracy each way; on the rows the serving router sends to the
/// large model at each calibrated point: KCM's accuracy each way; and how often a wrong hint is echoed (the large model
/// answers the hint's wrong class), overall and on the routed rows. An echoed error becomes a teacher record that
/// feeds the small model's own mistake back to it.
/// </summary>
public sealed record HintReport(
    double LargeOnlyWithHint,
    double LargeOnlyWithoutHint,
    int WrongHints,
    double WrongHintEchoRate,
    IReadOnlyDictionary<string, HintedPoint> Calibrated);
