using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// One decoding stream's DeePEn step: r = sum_i w_i p_i R_i is gathered model by model, then the main model's
/// logits z are moved by T AdamW steps on KL(r || softmax(z) R_main) and the next token is argmax z (greedy).
/// Owns every buffer it needs, so a step allocates nothing; not thread-safe (one object per stream).
/// </summary>
public sealed class DeePEnFusion
{
    /// <summary>
    /// Default k of the top-k projection (mode "sparse"): on the SotU models k = 256 agreed with the full projection
    /// on about as many steps as projecting every token, and k = 64 on 4 points fewer (docs/deepen.md).
    /// </summary>
    public const int DefaultProjectionTopTokens = 256;

    /// <summary>
    /// Most main-model rows made exact per search when exact rows are given: the tokens within reach of the top are
    /// 6 on average on the SotU models (docs/deepen.md), and the cap bounds a flat step's cost.
    /// </summary>
    public const int MaxExactRows = 32;

    /// <summary>Exact main-model rows a stream keeps across steps (216 KB at |A| = 843).</summary>
    public const int KeptExactRows = 64;

    private readonly IRelativeMatrix[] _relatives;
    private readonly TopEntries? _topTokens;
    private readonly float[] _weights;
    private readonly InverseSearchOptions _options;
    private readonly float[] _target;
    private readonly float[] _relative;
    private readonly float[] _distribution;
    private readonly float[] _logits;
    private readonly float[] _gradient;
    private readonly float[] _firstMoment;
    private readonly float[] _secondMoment;
    private readonly double[] _losses;
    private readonly float[][]? _meanRows;
    private readonly float[]? _kept;
    private readonly CandidatePatchedMatrix? _patched;

    // Whether _patched holds this step's rows: set when the main model's distribution goes into the target.
    private bool _patchedThisStep;

    /// <param name="relatives">Each model's relative representation, all over the same anchors.</param>
    /// <param name="weights">w_i (see <see cref="FusionWeights"/>); normalised here to sum to 1.</param>
    /// <param name="mainModel">The index of the model whose vocabulary the search decodes in.</param>
    /// <param name="options">The optimiser; <see cref="InverseSearchOptions.Default"/> when null.</param>
    /// <param name="projectionTopTokens">
    /// k: when positive, p_i R_i is computed over p_i's k most probable tokens only, the remaining probability mass
    /// going to R_i's mean row (computed once); 0 uses every token.
    /// </param>
    /// <param name="exactMainRows">
    /// When set (for an approximate, sparse main R), each search uses the exact rows of the main model's tokens within
    /// reach of its top logit (2 T lr, at most <see cref="MaxExactRows"/>) in place of the approximate ones.
    /// </param>
    public DeePEnFusion(
        IReadOnlyList<IRelativeMatrix> relatives,
        IReadOnlyList<float> weights,
        int mainModel,
        InverseSearchOptions? options = null,
        int projectionTopTokens = 0,
        EmbeddingRelativeRows? exactMainRows = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(projectionTopTokens);
        ArgumentNullException.ThrowIfNull(relatives);
        ArgumentNullException.ThrowIfNull(weights);
        if (relatives.Count == 0 || relatives.Count != weights.Count)
        {
            throw new ArgumentException($"One weight per model is needed ({relatives.Count} models, {weights.Count} weights).", nameof(weights));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(mainModel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mainModel, relatives.Count);
        var anchors = relatives[0].AnchorCount;
        if (relatives.Any(r => r.AnchorCount != anchors))
        {
            throw new ArgumentException("Every relative representation must be over the same anchors.", nameof(relatives));
        }

        var total = weights.Sum();
        if (weights.Any(w => !float.IsFinite(w) || w < 0) || total <= 0)
        {
            throw new ArgumentException("Weights must be finite, non-negative and not all zero.", nameof(weights));
        }

        _options = options ?? InverseSearchOptions.Default;
        _options.Validate();
        _relatives = [.. relatives];
        _weights = [.. weights.Select(w => w / total)];
        MainModel = mainModel;
        var mainVocabulary = relatives[mainModel].VocabularySize;
        _target = new float[anchors];
        _relative = new float[anchors];
        _distribution = new float[relatives.Max(r => r.VocabularySize)];
        _logits = new float[mainVocabulary];
        _gradient = new float[mainVocabulary];
        _firstMoment = new float[mainVocabulary];
        _secondMoment = new float[mainVocabulary];
        _losses = new double[_options.Steps + 1];
        _topTokens = projectionTopTokens > 0 ? new TopEntries(projectionTopTokens) : null;
        _patched = exactMainRows is null ? null : new CandidatePatchedMatrix(relatives[mainModel], exactMainRows, MaxExactRows, KeptExactRows);
        if (_topTokens is not null)
        {
            _kept = new float[_distribution.Length];
            _meanRows = new float[_relatives.Length][];
            for (var i = 0; i < _relatives.Length; i++)
            {
                var uniform = new float[_relatives[i].VocabularySize];
                Array.Fill(uniform, 1f / uniform.Length);
                _meanRows[i] = new float[anchors];
                _relatives[i].Project(uniform, _meanRows[i]);
            }
        }
    }

    /// <summary>k of the top-k projection; 0 when every token is projected.</summary>
    public int ProjectionTopTokens => _topTokens?.Capacity ?? 0;

    public int MainModel { get; }

    /// <summary>How many of the main model's rows the last search used exactly (0 without exact rows).</summary>
    public int ExactRowsInLastSearch => _patched?.Count ?? 0;

    /// <summary>Exact main-model rows computed since this fusion was made (fewer than used: rows are kept across steps).</summary>
    public long ExactRowsComputed => _patched?.RowsComputed ?? 0;

    public int ModelCount => _relatives.Length;

    /// <summary>The fused target r in anchor space, as gathered since the last <see cref="Reset"/>.</summary>
    public ReadOnlySpan<float> Target => _target;

    /// <summary>The main model's logits after the last <see cref="Search"/>.</summary>
    public ReadOnlySpan<float> UpdatedLogits => _logits;

    /// <summary>
    /// KL(r || softmax(z_t) R_main) for t = 0..T of the last search (T+1 values: before each step and after the
    /// last); when the search stopped early (loss below <see cref="InverseSearchOptions.StopBelowLoss"/>) the rest repeat the last value.
    /// </summary>
    public ReadOnlySpan<double> Losses => _losses;

    /// <summary>Clears the target before a new decoding step.</summary>
    public void Reset()
    {
        Array.Clear(_target);
        _patchedThisStep = false;
    }

    /// <summary>r += w_model * (p R_model) for the model's next-token distribution p.</summary>
    public void AddDistribution(int model, ReadOnlySpan<float> probabilities)
    {
        Accumulate(model, Model(model, probabilities), probabilities, _weights[model]);
    }

    /// <summary>As <see cref="AddDistribution"/>, from the model's next-token logits (softmax taken here).</summary>
    public void AddLogits(int model, ReadOnlySpan<float> logits)
    {
        var distribution = _distribution.AsSpan(0, Model(model).VocabularySize);
        TensorPrimitives.SoftMax(logits, distribution);
        Accumulate(model, Model(model, distribution), distribution, _weights[model]);
    }

    /// <summary>
    /// Moves the main model's logits toward the target by the configured AdamW steps and returns the greedy token
    /// (the argmax of the updated logits).
    /// </summary>
    public int Search(ReadOnlySpan<float> mainLogits)
    {
        IRelativeMatrix main = _relatives[MainModel];
        if (mainLogits.Length != main.VocabularySize)
        {
            throw new ArgumentException($"The main model's logits must have {main.VocabularySize} values (got {mainLogits.Length}).", nameof(mainLogits));
        }

        if (_patched is not null)
        {
            // Patched already when the main model's distribution went into the target, so both use the same rows.
            if (!_patchedThisStep)
            {
                _patched.PatchFromLogits(mainLogits, SearchReach);
            }

            _patchedThisStep = false;
            main = _patched;
        }

        mainLogits.CopyTo(_logits);
        Array.Clear(_firstMoment);
        Array.Clear(_secondMoment);
        var probabilities = _distribution.AsSpan(0, main.VocabularySize);
        var o = _options;
        var beta1Power = 1f;
        var beta2Power = 1f;
        for (var step = 0; step < o.Steps; step++)
        {
            _losses[step] = RelativeKl.LossAndGradient(main, _target, _logits, _gradient, probabilities, _relative);
            if (_losses[step] < o.StopBelowLoss)
            {
                _losses.AsSpan(step + 1).Fill(_losses[step]);
                return TensorPrimitives.IndexOfMax(_logits);
            }

            beta1Power *= o.Beta1;
            beta2Power *= o.Beta2;
            var firstCorrection = 1f - beta1Power;
            var secondCorrection = 1f - beta2Power;
            var decay = 1f - (o.LearningRate * o.WeightDecay);

            // AdamW over the whole vocabulary in vector operations (0.1 ms of a 0.7 ms sparse search less than per element);
            // the gradient's buffer becomes the scratch once both moments have read it.
            var gradient = _gradient.AsSpan();
            TensorPrimitives.Multiply(_firstMoment, o.Beta1, _firstMoment);
            TensorPrimitives.MultiplyAdd(gradient, 1f - o.Beta1, _firstMoment, _firstMoment);
            TensorPrimitives.Multiply(gradient, gradient, gradient);
            TensorPrimitives.Multiply(_secondMoment, o.Beta2, _secondMoment);
            TensorPrimitives.MultiplyAdd(gradient, 1f - o.Beta2, _secondMoment, _secondMoment);
            var denominator = gradient;
            TensorPrimitives.Divide(_secondMoment, secondCorrection, denominator);
            TensorPrimitives.Sqrt(denominator, denominator);
            TensorPrimitives.Add(denominator, o.Epsilon, denominator);
            var update = denominator;
            TensorPrimitives.Divide(_firstMoment, denominator, update);
            TensorPrimitives.Multiply(update, o.LearningRate / firstCorrection, update);
            TensorPrimitives.Multiply(_logits, decay, _logits);
            TensorPrimitives.Subtract(_logits, update, _logits);
        }

        _losses[o.Steps] = RelativeKl.Loss(main, _target, _logits, probabilities, _relative);
        return TensorPrimitives.IndexOfMax(_logits);
    }

    private void Accumulate(int model, IRelativeMatrix relative, ReadOnlySpan<float> probabilities, float weight)
    {
        if (_topTokens is null)
        {
            relative.AccumulateProjection(probabilities, weight, _target);
            return;
        }

        if (probabilities.Length != relative.VocabularySize)
        {
            throw new ArgumentException($"Expected a distribution over {relative.VocabularySize} tokens (got {probabilities.Length}).", nameof(probabilities));
        }

        // The top k copied into a zeroed vector: one projection call then touches k rows (and a sparse matrix adds
        // its rows' tails once, not once per row).
        var kept = _kept!.AsSpan(0, relative.VocabularySize);
        kept.Clear();
        var mass = 0f;
        foreach (var token in _topTokens.Select(probabilities))
        {
            kept[token] = probabilities[token];
            mass += probabilities[token];
        }

        relative.AccumulateProjection(kept, weight, _target);

        // The mass outside the top k goes to the model's mean row (not renormalised onto the top k, which would
        // sharpen every member's image and pull the search toward the top tokens): the target stays a distribution.
        TensorPrimitives.MultiplyAdd(_meanRows![model], weight * MathF.Max(0f, 1f - mass), _target, _target);
    }

    // AdamW moves a logit by about lr per step: after T steps only tokens within 2 T lr of the top can lead.
    private float SearchReach => 2f * _options.Steps * _options.LearningRate;

    // The main model's matrix with its leading rows made exact (when exact rows are given), else the model's own.
    private IRelativeMatrix Model(int model, ReadOnlySpan<float> probabilities)
    {
        var relative = Model(model);
        if (model != MainModel || _patched is null || probabilities.Length != relative.VocabularySize)
        {
            return relative;
        }

        _patched.PatchFromProbabilities(probabilities, SearchReach);
        _patchedThisStep = true;
        return _patched;
    }

    private IRelativeMatrix Model(int model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(model, _relatives.Length);
        return _relatives[model];
    }
}
