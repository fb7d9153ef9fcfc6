using Kcm.Grains.Small;
using Kcm.Grains.Storage;

namespace Kcm.Grains.Judge;

/// <summary>Where the judge grain stores the versions it publishes: a model-store series and the codec of its weights.</summary>
public sealed record JudgeStorage(IModelStore Store, string Series, IClassifierCodec Codec);
