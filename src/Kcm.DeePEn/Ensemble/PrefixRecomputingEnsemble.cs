using System.Diagnostics;
using System.Numerics.Tensors;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// DeePEn greedy decoding the way the reference implementation runs it, as the baseline of <c>./kcm bench ensemble</c>:
/// at every step the main model runs its whole token sequence and each assistant re-tokenises the whole text and
/// runs its whole prefix, all without a key/value cache. The fusion is the same as <see cref="DeePEnEnsemble"/>'s, and
/// so are the tokens (the logits agree with the cached ones within rounding). Slow on purpose; not thread-safe.
/// </summary>
public sealed class PrefixRecomputingEnsemble
{
    private readonly IReadOnlyList<EnsembleMember> _members;
    private readonly DeePEnFusion _fusion;
    private readonly int _mainModel;

    /// <param name="members">The language models.</param>
    /// <param name="relatives">Each member's relative matrix over shared anchors.</param>
    /// <param name="mainModel">The member whose vocabulary the ensemble decodes in.</param>
    /// <param name="weights">w_i.</param>
    /// <param name="options">The inverse search; defaults when null.</param>
    /// <param name="projectionTopTokens">k of the top-k projection (0: every token).</param>
    /// <param name="exactMainRows">Exact rows of the main model's R for the search's leading tokens (with a sparse main R; see <see cref="DeePEnFusion"/>).</param>
    public PrefixRecomputingEnsemble(
        IReadOnlyList<EnsembleMember> members,
        IReadOnlyList<IRelativeMatrix> relatives,
        int mainModel,
        IReadOnlyList<float> weights,
        InverseSearchOptions? options = null,
        int projectionTopTokens = 0,
        EmbeddingRelativeRows? exactMainRows = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(relatives);
        if (relatives.Count != members.Count)
        {
            throw new ArgumentException($"The relative space has {relatives.Count} members, the ensemble {members.Count}.", nameof(relatives));
        }

        _members = members;
        _fusion = new DeePEnFusion(relatives, weights, mainModel, options, projectionTopTokens, exactMainRows);
        _mainModel = mainModel;
    }

    /// <summary>Tokens run through the models so far, summed over every member and step (the recomputation's work).</summary>
    public long TokensRun { get; private set; }

    /// <summary>Time spent tokenising and running the models, summed over every step.</summary>
    public TimeSpan ModelTime { get; private set; }

    /// <summary>Time spent in the relative projection and inverse search, summed over every step.</summary>
    public TimeSpan FusionTime { get; private set; }

    /// <summary>Greedy continuation of <paramref name="prompt"/> by up to <paramref name="maxTokens"/> fused steps, stopping where <see cref="DeePEnEnsemble.Decode(string, int)"/> stops.</summary>
    public EnsembleGeneration Generate(string prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        var main = _members[_mainModel];
        var tokens = new List<int>(main.Tokenizer.Encode(prompt));
        if (tokens.Count == 0 || tokens.Count >= main.Context)
        {
            throw new ArgumentException($"The prompt gives {tokens.Count} tokens for {main.Name}, whose context is {main.Context}; at least one and fewer than the context are needed.", nameof(prompt));
        }

        var generated = new List<int>(maxTokens);
        var changed = 0;
        for (var step = 0; step < maxTokens; step++)
        {
            var started = Stopwatch.GetTimestamp();
            var logits = new float[_members.Count][];
            logits[_mainModel] = Run(main, [.. tokens]);
            var text = EnsembleDecoder.TextOf(main.Tokenizer, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tokens));
            for (var i = 0; i < _members.Count; i++)
            {
                logits[i] = i == _mainModel ? logits[i] : Run(_members[i], _members[i].Tokenizer.Encode(text));
            }

            var fusionStarted = Stopwatch.GetTimestamp();
            ModelTime += Stopwatch.GetElapsedTime(started, fusionStarted);
            _fusion.Reset();
            for (var i = 0; i < _members.Count; i++)
            {
                _fusion.AddLogits(i, logits[i]);
            }

            var mainLogits = logits[_mainModel];
            var token = _fusion.Search(mainLogits);
            FusionTime += Stopwatch.GetElapsedTime(fusionStarted);
            changed += token != TensorPrimitives.IndexOfMax(mainLogits) ? 1 : 0;
            generated.Add(token);

            // The same ends as DeePEnEnsemble.Decode: after a special token, or when the main model's context is full.
            if (main.Tokenizer.IsAddedToken(token) || tokens.Count >= main.Context)
            {
                break;
            }

            tokens.Add(token);
        }

        return new EnsembleGeneration(prompt, main.Tokenizer.Decode(generated.ToArray(), skipSpecialTokens: true), [.. generated], changed);
    }

    // The whole sequence through a fresh, empty cache: the next-token logits after it.
    private float[] Run(EnsembleMember member, int[] tokens)
    {
        if (tokens.Length == 0)
        {
            throw new ArgumentException($"The text gives no tokens for {member.Name}: an assistant needs at least one token of context.", nameof(tokens));
        }

        if (tokens.Length > member.Context)
        {
            throw new ArgumentException($"The text is {tokens.Length} tokens for {member.Name}, longer than its context of {member.Context}.", nameof(tokens));
        }

        TokensRun += tokens.Length;
        return member.Model.NextTokenLogits(Array.ConvertAll(tokens, t => (long)t), member.Model.CreateCache());
    }
}
