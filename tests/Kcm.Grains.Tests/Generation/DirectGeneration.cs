using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;

namespace Kcm.Grains.Tests.Generation;

/// <summary>A greedy generation run straight on Kcm.DeePEn's decoder, outside any grain: the reference the grain must match.</summary>
internal sealed record DirectGeneration(IReadOnlyList<EnsembleStep> Steps)
{
    public int[] TokenIds => [.. Steps.Select(s => s.Token)];

    public string[] Texts => [.. Steps.Select(s => s.Text)];

    public bool[] Fused => [.. Steps.Select(s => s.Fused)];

    public string Text => string.Concat(Texts);

    public int FusedSteps => Steps.Count(s => s.Fused);

    /// <summary>Why the decoder stopped, in the wire contract's words (no stop strings here).</summary>
    public string FinishReason => Steps[^1].Finish switch
    {
        EnsembleFinish.EndOfText => FinishReasons.EndOfText,
        EnsembleFinish.MaxTokens => FinishReasons.Length,
        _ => FinishReasons.Context,
    };

    public static DirectGeneration Run(EnsemblePool pool, string prompt, int maxTokens, string mode)
    {
        Assert.True(EnsembleModes.TryParse(mode, out var parsed), "unknown mode " + mode);
        return new DirectGeneration([.. pool.CreateDecoder(parsed).Decode(prompt, maxTokens)]);
    }
}
