namespace Kcm.Cluster.Large;

/// <summary>What a front needs to know of a large model it reaches over the broker (the workers hold the model itself).</summary>
/// <param name="Name">The large model's name.</param>
/// <param name="InputSize">Features per sample.</param>
/// <param name="ClassCount">Logits per sample.</param>
/// <param name="HintInputName">The hint input's name, or null when the model takes no hint.</param>
public sealed record LargeModelShape(string Name, int InputSize, int ClassCount, string? HintInputName);
