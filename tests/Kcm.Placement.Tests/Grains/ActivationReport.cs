using Orleans.Runtime;

namespace Kcm.Placement.Tests.Grains;

/// <summary>Which grain, silo and activation served a call (a stateless worker has one activation id per worker).</summary>
[GenerateSerializer, Immutable]
public sealed record ActivationReport(long Key, SiloAddress Silo, string ActivationId);
