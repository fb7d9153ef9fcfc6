namespace Kcm.Cli.Demo;

/// <summary>
/// Outcome of the first phase: the shipped large model's test accuracy through the C# ONNX binding, next to its card.
/// <c>Matches</c> says whether the measured count of correct answers equals the card's, give or take the card's near ties.
/// </summary>
internal sealed record LargeModelCheck(
    string ModelPath,
    string RuntimeVersion,
    int Images,
    int Correct,
    double MeasuredAccuracy,
    double CardAccuracy,
    int? CardCorrect,
    bool Matches,
    double ImagesPerSecond);
