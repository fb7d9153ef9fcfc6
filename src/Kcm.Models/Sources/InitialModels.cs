using Kcm.Models.Storage;

namespace Kcm.Models.Sources;

/// <summary>The first judge and small model of a model, as stored in the model store (trained now or found cached).</summary>
/// <param name="Judge">The judge's stored version.</param>
/// <param name="Small">The small model's stored version.</param>
public sealed record InitialModels(StoredModel Judge, StoredModel Small);
