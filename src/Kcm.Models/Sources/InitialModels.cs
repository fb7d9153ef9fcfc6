using Kcm.Core.Models;
using Kcm.Models.Storage;

namespace Kcm.Models.Sources;

/// <summary>
/// The first judge and small model of a model, as stored in the model store (trained now or found cached), and the
/// classifiers those stored weights make (so the seeder calibrates them without loading them again).
/// </summary>
/// <param name="Judge">The judge's stored version.</param>
/// <param name="Small">The small model's stored version.</param>
/// <param name="JudgeClassifier">The judge of <paramref name="Judge"/>'s weights.</param>
/// <param name="SmallClassifier">The small model of <paramref name="Small"/>'s weights.</param>
public sealed record InitialModels(StoredModel Judge, StoredModel Small, IClassifier JudgeClassifier, IClassifier SmallClassifier);
