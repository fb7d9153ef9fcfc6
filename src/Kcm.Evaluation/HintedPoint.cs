namespace Kcm.Evaluation;

/// <summary>One calibrated point with and without hints: KCM accuracy each way, the large model's accuracy on the rows routed to it each way, and the echo rate of wrong hints there.</summary>
public sealed record HintedPoint(
    double LargeShare,
    double AccuracyWithHint,
    double AccuracyWithoutHint,
    int RoutedRows,
    double RoutedLargeAccuracyWithHint,
    double RoutedLargeAccuracyWithoutHint,
    int RoutedWrongHints,
    double RoutedWrongHintEchoRate);
