namespace Kcm.Cli.Demo;

/// <summary>A hot-swap as the traffic saw it: the first sample (in sending order) answered by a newer small-model version.</summary>
internal sealed record SmallModelSwap(int Version, int FirstSample);
