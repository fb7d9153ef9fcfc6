using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// Greedy DeePEn decoding with N language models: at each step every member's next-token distribution is mapped into
/// the shared anchor space, averaged with the ensemble weights, and mapped back into the main model's vocabulary by the
/// inverse search; the chosen main-model token extends the text every member continues. Not thread-safe.
/// </summary>
public sealed class DeePEnEnsemble
{
    private readonly IReadOnlyList<EnsembleMember> _members;
    private readonly DeePEnFusion _fusion;
    private readonly EnsembleDecoder _decoder;

    /// <param name="members">The language models.</param>
    /// <param name="space">Anchors and relative matrices built from <paramref name="members"/>.</param>
    /// <param name="mainModel">The member whose vocabulary the ensemble decodes in.</param>
    /// <param name="weights">w_i (<see cref="FusionWeights.Average"/> or <see cref="FusionWeights.Adaptive"/>).</param>
    /// <param name="options">The inverse search; defaults when null.</param>
    public DeePEnEnsemble(IReadOnlyList<EnsembleMember> members, RelativeSpace space, int mainModel, IReadOnlyList<float> weights, InverseSearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(space);
        if (space.Relatives.Count != members.Count)
        {
            throw new ArgumentException($"The relative space has {space.Relatives.Count} members, the ensemble {members.Count}.", nameof(space));
        }

        _members = members;
        _fusion = new DeePEnFusion(space.Relatives, weights, mainModel, options);
        _decoder = new EnsembleDecoder(members, mainModel);
    }

    public EnsembleMember Main => _decoder.Main;

    /// <summary>Greedy continuation of <paramref name="prompt"/> by up to <paramref name="maxTokens"/> fused steps (stops at a special token).</summary>
    public EnsembleGeneration Generate(string prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        var tokenizer = Main.Tokenizer;
        var promptTokens = tokenizer.Encode(prompt);
        _decoder.Start(promptTokens);
        var generated = new List<int>(maxTokens);
        var fusedDifferent = 0;
        for (var step = 0; step < maxTokens; step++)
        {
            var token = NextToken(_decoder, _fusion, _members.Count);
            if (token != System.Numerics.Tensors.TensorPrimitives.IndexOfMax(_decoder.Logits(_decoder.MainModel)))
            {
                fusedDifferent++;
            }

            generated.Add(token);
            if (tokenizer.IsAddedToken(token) || _decoder.MainTokens.Count >= Main.Context)
            {
                break;
            }

            _decoder.Append(token);
        }

        return new EnsembleGeneration(prompt, tokenizer.Decode(generated.ToArray(), skipSpecialTokens: true), [.. generated], fusedDifferent);
    }

    /// <summary>One fused step over every member of <paramref name="decoder"/>'s current text.</summary>
    public static int NextToken(EnsembleDecoder decoder, DeePEnFusion fusion, int memberCount)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(fusion);
        fusion.Reset();
        for (var i = 0; i < memberCount; i++)
        {
            fusion.AddLogits(i, decoder.Logits(i));
        }

        return fusion.Search(decoder.Logits(decoder.MainModel));
    }
}
