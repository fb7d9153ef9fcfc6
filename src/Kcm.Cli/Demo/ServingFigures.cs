using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>
/// The serving version as the demo reports it: the threshold, the small model version and its check-set accuracy, and
/// the small model versions kept for rollback (oldest first).
/// </summary>
internal sealed record ServingFigures(double Threshold, int SmallVersion, double SmallCheckAccuracy, SmallModelVersionInfo[] KeptSmallVersions);
