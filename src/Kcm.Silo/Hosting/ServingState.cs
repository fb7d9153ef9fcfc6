using Kcm.Grains.Distillation;
using Kcm.Grains.Hosting;
using Kcm.Grains.Telemetry;

namespace Kcm.Silo.Hosting;

/// <summary>
/// What the HTTP API asks of this silo's serving state, read once per request: ready or not (and why not), stopping,
/// and the routing figures. Readiness, figures and the teacher queue are the grains' silo-local services; stopping is
/// the host's.
/// </summary>
public sealed class ServingState(ServingReadiness readiness, RoutingTally tally, ITeacherQueue teachers, IHostApplicationLifetime lifetime)
{
    /// <summary>Whether the silo is stopping (new requests are refused with <c>shutting_down</c>).</summary>
    public bool IsStopping => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Whether this silo serves a version and is not stopping.</summary>
    public bool IsReady => readiness.IsReady && !IsStopping;

    /// <summary>Why this silo could not load its models (e.g. the CUDA provider without a GPU), when it could not.</summary>
    public Exception? LoadFailure => readiness.Failure;

    /// <summary>Samples answered by the small model on this silo since start.</summary>
    public long SmallCount => tally.RequestsSmall;

    /// <summary>Samples answered by the large model on this silo since start.</summary>
    public long LargeCount => tally.RequestsLarge;

    /// <summary>The large route's share over the recent window (0..1).</summary>
    public double LargeShare => tally.LargeShare();

    /// <summary>The window's length in seconds.</summary>
    public double WindowSeconds => tally.WindowSeconds;

    /// <summary>Teacher records waiting on this silo's queue (not yet taken by a distillation round).</summary>
    public long TeacherRecordsWaiting => teachers.Count;
}
