namespace Kcm.DeePEn.Evaluation;

/// <summary>One State of the Union address.</summary>
public sealed record SotuAddress(int Year, string Name, string Text);
