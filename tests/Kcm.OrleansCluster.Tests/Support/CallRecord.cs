namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>One client call of a load run: when it started and ended (seconds since the run began) and how it ended.</summary>
/// <param name="Start">Seconds from the run's start to the call's start.</param>
/// <param name="End">Seconds from the run's start to the call's end.</param>
/// <param name="Failure">The exception's type and message when the call failed, else null.</param>
public sealed record CallRecord(double Start, double End, string? Failure)
{
    public double LatencyMs => (End - Start) * 1000;
}
