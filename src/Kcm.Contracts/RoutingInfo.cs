namespace Kcm.Contracts;

/// <summary>Routing counters since start and the large route's share over a recent window.</summary>
/// <param name="RequestsSmall">Samples answered by the small model since start.</param>
/// <param name="RequestsLarge">Samples answered by the large model since start.</param>
/// <param name="LargeShareWindow">Fraction of samples sent to the large model within the window (0..1).</param>
/// <param name="WindowSeconds">Length of that window in seconds.</param>
public sealed record RoutingInfo(long RequestsSmall, long RequestsLarge, double LargeShareWindow, double WindowSeconds);
