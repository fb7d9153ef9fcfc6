using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>The answer to one batch of demo traffic: each row's label and route, and the small model version that served the batch.</summary>
internal sealed record DemoAnswer(int[] Labels, InferenceRoute[] Routes, int SmallModelVersion);
