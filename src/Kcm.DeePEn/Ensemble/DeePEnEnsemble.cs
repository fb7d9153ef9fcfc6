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
    private readonly DeePEnFusion? _fusion;
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
    /// <param name="exactMainRows">Exact rows of the main model's R for the search's leading tokens (with a sparse main R; see <see cref="DeePEnFusion"/>).</param>
    public DeePEnEnsemble(
        IReadOnlyList<EnsembleMember> members,
        IReadOnlyList<IRelativeMatrix> relatives,
        int mainModel,
        IReadOnlyList<float> weights,
        InverseSearchOptions? options = null,
        int projectionTopTokens = 0,
        float? gateThreshold = null,
        EmbeddingRelativeRows? exactMainRows = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(relatives);
        if (relatives.Count != members.Count)
        {
            throw new ArgumentException($"The relative space has {relatives.Count} members, the ensemble {members.Count}.", nameof(relatives));
        }

        FusionGate.CheckThreshold(gateThreshold, nameof(gateThreshold));

        _members = members;
        _fusion = new DeePEnFusion(relatives, weights, mainModel, options, projectionTopTokens, exactMainRows);
        _decoder = new EnsembleDecoder(members, mainModel);
        _gateThreshold = gateThreshold;
    }

    private DeePEnEnsemble(IReadOnlyList<EnsembleMember> members, int mainModel)
    {
        ArgumentNullException.ThrowIfNull(members);
        _members = members;
        _fusion = null;
        _decoder = new EnsembleDecoder(members, mainModel);
    }

    public EnsembleMember Main => _decoder.Main;

    /// <summary>The language models, in the order of <see cref="MemberTime"/>.</summary>
    public IReadOnlyList<EnsembleMember> Members => _members;

    /// <summary>
    /// Time spent running member <paramref name="member"/> so far (the main model's forward passes; an assistant's
    /// syncs, only at fused steps): the difference across one <see cref="Decode(string, int)"/> step is that member's step time.
    /// </summary>
    public TimeSpan MemberTime(int member) => _decoder.MemberTime(member);

    /// <summary>The index of the main model among the members.</summary>
    public int MainModel => _decoder.MainModel;

    /// <summary>Mode "main": the main model's greedy argmax at every step; the assistants are never run.</summary>
    public static DeePEnEnsemble MainOnly(IReadOnlyList<EnsembleMember> members, int mainModel) => new(members, mainModel);

    /// <summary>Greedy continuation of <paramref name="prompt"/> by up to <paramref name="maxTokens"/> fused steps (stops at a special token).</summary>
    public EnsembleGeneration Generate(string prompt, int maxTokens)
    {
        var generated = new List<int>(maxTokens);
        var changed = 0;
        foreach (var step in Decode(prompt, maxTokens))
        {
            generated.Add(step.Token);
            changed += step.ChangedByFusion ? 1 : 0;
        }

        return new EnsembleGeneration(prompt, Main.Tokenizer.Decode(generated.ToArray(), skipSpecialTokens: true), [.. generated], changed);
    }

    /// <summary>
    /// Greedy decoding of <paramref name="prompt"/>, one step per enumerated item (lazily: a consumer that stops
    /// enumerating stops the decoding). Ends after <paramref name="maxTokens"/> steps, after a special token, or when
    /// the main model's context is full, or (when fusing) once an assistant could not read one more token; the last
    /// step says why (<see cref="EnsembleStep.Finish"/>). The prompt is validated before the first step.
    /// </summary>
    public IEnumerable<EnsembleStep> Decode(string prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Decode(Main.Tokenizer.Encode(prompt), maxTokens);
    }

    /// <summary>As <see cref="Decode(string, int)"/>, from the prompt's main-model tokens (a caller that has them need not tokenise again).</summary>
    public IEnumerable<EnsembleStep> Decode(int[] promptTokens, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        if (promptTokens.Length == 0)
        {
            throw new ArgumentException("The prompt gives no tokens.", nameof(promptTokens));
        }

        if (promptTokens.Length >= Main.Context)
        {
            throw new ArgumentException($"The prompt is {promptTokens.Length} tokens for {Main.Name}, which leaves no room in its context of {Main.Context}.", nameof(promptTokens));
        }

        var vocabulary = Main.Tokenizer.VocabularySize;
        foreach (var token in promptTokens)
        {
            if ((uint)token >= (uint)vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(promptTokens), token, $"Token id outside {Main.Name}'s vocabulary of {vocabulary}.");
            }
        }

        return Steps([.. promptTokens], maxTokens);
    }

    private IEnumerable<EnsembleStep> Steps(int[] promptTokens, int maxTokens)
    {
        var tokenizer = Main.Tokenizer;
        var mainTime = _decoder.MainModelTime;
        _decoder.Start(promptTokens);
        var all = new List<int>(promptTokens.Length + maxTokens);
        all.AddRange(promptTokens);
        var emitted = EnsembleDecoder.TextOf(tokenizer, promptTokens).Length;
        for (var step = 0; step < maxTokens; step++)
        {
            var mainStepTime = _decoder.MainModelTime - mainTime;
            var assistantTime = _decoder.AssistantTime;
            var mainLogits = _decoder.Logits(_decoder.MainModel);
            var own = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(mainLogits);
            var fuse = _fusion is not null && (_gateThreshold is not { } threshold || FusionGate.ShouldFuse(mainLogits, threshold));
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var token = fuse ? NextToken(_decoder, _fusion!, _members.Count) : own;
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var stepAssistantTime = _decoder.AssistantTime - assistantTime;
            all.Add(token);
            var special = tokenizer.IsAddedToken(token);

            // The whole text so far (a SentencePiece decoder drops a leading space, so the continuation is not
            // decoded alone), cut after the last complete character; the step's text is what it adds.
            var text = special ? string.Empty : EnsembleDecoder.TextOf(tokenizer, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
            var delta = text.Length > emitted ? text[emitted..] : string.Empty;
            emitted = Math.Max(emitted, text.Length);
            var finish = special ? EnsembleFinish.EndOfText
                : step + 1 >= maxTokens ? EnsembleFinish.MaxTokens
                : _decoder.MainTokens.Count >= Main.Context ? EnsembleFinish.Context
                // The next step's sync would fail; the assistants keep this tokenisation, so that sync does not redo it.
                : _fusion is not null && !_decoder.AssistantsFit(text) ? EnsembleFinish.AssistantContext
                : EnsembleFinish.None;
            yield return new EnsembleStep(step, token, delta, fuse, token != own, special, mainStepTime, stepAssistantTime, elapsed - stepAssistantTime, finish);
            if (finish != EnsembleFinish.None)
            {
                yield break;
            }

            mainTime = _decoder.MainModelTime;
            _decoder.Append(token);
        }
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
