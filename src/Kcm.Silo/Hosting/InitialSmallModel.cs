using Kcm.Core.Models;

namespace Kcm.Silo.Hosting;

/// <summary>A first small model and its check-set accuracy.</summary>
public sealed record InitialSmallModel(IClassifier Model, double CheckAccuracy);
