namespace Kcm.Evaluation;

/// <summary>Parameter counts and architectures of the models the harness trained.</summary>
public sealed record ModelSizes(string SmallArchitecture, int SmallParameters, string KanJudgeArchitecture, int KanJudgeParameters, string MlpJudgeArchitecture, int MlpJudgeParameters);
