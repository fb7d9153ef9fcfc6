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
    private readonly float? _gateThreshold;

    /// <param name="members">The language models.</param>
    /// <param name="space">Anchors and relative matrices built from <paramref name="members"/>.</param>
    /// <param name="mainModel">The member whose vocabulary the ensemble decodes in.</param>
    /// <param name="weights">w_i (<see cref="FusionWeights.Average"/> or <see cref="FusionWeights.Adaptive"/>).</param>
    /// <param name="options">The inverse search; defaults when null.</param>
    public DeePEnEnsemble(IReadOnlyList<EnsembleMember> members, RelativeSpace space, int mainModel, IReadOnlyList<float> weights, InverseSearchOptions? options = null)
        : this(members, (space ?? throw new ArgumentNullException(nameof(space))).Relatives, mainModel, weights, options)
    {
    }

    /// <param name="members">The language models.</param>
    /// <param name="relatives">Each member's relative matrix, dense or sparse (<see cref="RelativeSpace.Sparse"/>), over shared anchors.</param>
    /// <param name="mainModel">The member whose vocabulary the ensemble decodes in.</param>
    /// <param name="weights">w_i.</param>
    /// <param name="options">The inverse search; defaults when null.</param>
    /// <param name="projectionTopTokens">k of the top-k projection (0: every token).</param>
    /// <param name="gateThreshold">When set, steps where the main model's top probability is at least this take its argmax without fusing.</param>
    public DeePEnEnsemble(
        IReadOnlyList<EnsembleMember> members,
        IReadOnlyList<IRelativeMatrix> relatives,
        int mainModel,
        IReadOnlyList<float> weights,
        InverseSearchOptions? options = null,
        int projectionTopTokens = 0,
        float? gateThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(relatives);
        if (relatives.Count != members.Count)
        {
            throw new ArgumentException($"The relative space has {relatives.Count} members, the ensemble {members.Count}.", nameof(relatives));
        }

        if (gateThreshold is { } threshold && !(threshold is > 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(gateThreshold), threshold, "The gate threshold must be in (0, 1].");
        }

        _members = members;
        _fusion = new DeePEnFusion(relatives, weights, mainModel, options, projectionTopTokens);
        _decoder = new EnsembleDecoder(members, mainModel);
        _gateThreshold = gateThreshold;
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
            var mainLogits = _decoder.Logits(_decoder.MainModel);
            // The assistants are still synced at every step (EnsembleDecoder is eager): the gate saves fusion time only.
            var token = _gateThreshold is { } threshold && !FusionGate.ShouldFuse(mainLogits, threshold)
                ? System.Numerics.Tensors.TensorPrimitives.IndexOfMax(mainLogits)
                : NextToken(_decoder, _fusion, _members.Count);
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
