using Kcm.Core.Models;

namespace Kcm.Grains.Judge;

/// <summary>One immutable judge: the classifier and the model-store version it was loaded from (0 when never stored).</summary>
public sealed record JudgeVersion(IClassifier Model, int Version);
