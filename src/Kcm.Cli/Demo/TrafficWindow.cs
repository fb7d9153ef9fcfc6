namespace Kcm.Cli.Demo;

/// <summary>
/// One stretch of a traffic phase, in the order the samples were sent: which wave it belongs to (0-based), its first
/// sample, how many samples, their accuracy and large-model share, and the newest small-model version that answered them.
/// </summary>
internal sealed record TrafficWindow(int Wave, int FirstSample, int Samples, double Accuracy, double LargeShare, int SmallVersion);
