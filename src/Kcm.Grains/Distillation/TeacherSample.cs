namespace Kcm.Grains.Distillation;

/// <summary>
/// One teacher record as it travels from serving to the distiller: the input, the large model's probabilities, the
/// judge's probabilities and the label when known. Arrays are owned by the record and never changed after queuing.
/// </summary>
public sealed record TeacherSample(float[] Features, float[] LargeProbabilities, float[]? JudgeProbabilities, int? Label);
