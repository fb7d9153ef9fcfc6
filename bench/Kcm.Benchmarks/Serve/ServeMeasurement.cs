namespace Kcm.Benchmarks.Serve;

/// <summary>
/// One throughput measurement: samples per second, the process's CPU time per sample (every thread: clients, silo,
/// ONNX Runtime), the large model's share, accuracy, and the rows the judge sent to the small model.
/// </summary>
internal sealed record ServeMeasurement(double SamplesPerSecond, double CpuMicrosecondsPerSample, double LargeShare, double Accuracy, int[] SmallRows);
