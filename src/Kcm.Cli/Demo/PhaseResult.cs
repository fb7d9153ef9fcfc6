namespace Kcm.Cli.Demo;

/// <summary>
/// What one traffic phase measured through the client (latencies in milliseconds). Small and large latencies are the
/// server-side time of a batch's route (small: judge and small model; large: also the queue and the large model): on
/// the embedded Orleans silo one value per answered batch and route, from the silo's <c>kcm_request_duration_seconds</c>;
/// on the cluster (silos in other processes) none, so they read NaN. Request latencies are the client-side round
/// trips of whole requests. <c>Timeline</c> holds the figures window by window and the swaps, for the demo's chart.
/// </summary>
internal sealed record PhaseResult(
    string Name,
    int Samples,
    double Accuracy,
    double SmallAccuracy,
    double LargeAccuracy,
    double LargeShare,
    double Seconds,
    double SamplesPerSecond,
    double SmallLatencyP50,
    double SmallLatencyP99,
    double LargeLatencyP50,
    double LargeLatencyP99,
    double RequestLatencyP50,
    double RequestLatencyP99,
    int FirstSmallVersion,
    int LastSmallVersion,
    PhaseTimeline Timeline);
