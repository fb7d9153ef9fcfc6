using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// Greedy DeePEn decoding of several prompts at once, with the same choices as <see cref="DeePEnEnsemble"/> per prompt:
/// at each step the main model runs once for every active stream (<see cref="Models.CausalLanguageModel.NextTokenLogitsBatch"/>),
/// each assistant's incremental sync (<see cref="TextSyncedDecoder"/>) runs once for the streams that fuse, and the
/// fusion runs per stream, each with its own <see cref="DeePEnFusion"/>. Streams finish independently (max tokens, a
/// special token, a full context). Not thread-safe; the members' sessions may be shared with other decoders.
/// </summary>
public sealed class EnsembleBatch
{
    private readonly IReadOnlyList<EnsembleMember> _members;
    private readonly IReadOnlyList<IRelativeMatrix>? _relatives;
    private readonly IReadOnlyList<float>? _weights;
    private readonly InverseSearchOptions? _options;
    private readonly int _projectionTopTokens;
    private readonly EmbeddingRelativeRows? _exactMainRows;
    private readonly float? _gateThreshold;
    private readonly ParallelOptions _fusionParallelism = new() { MaxDegreeOfParallelism = 1 };

    /// <summary>A fusing batch decoder; the arguments mean what they mean for <see cref="DeePEnEnsemble"/>.</summary>
    public EnsembleBatch(
        IReadOnlyList<EnsembleMember> members,
        IReadOnlyList<IRelativeMatrix> relatives,
        int mainModel,
        IReadOnlyList<float> weights,
        InverseSearchOptions? options = null,
        int projectionTopTokens = 0,
        float? gateThreshold = null,
        EmbeddingRelativeRows? exactMainRows = null)
        : this(members, mainModel)
    {
        ArgumentNullException.ThrowIfNull(relatives);
        ArgumentNullException.ThrowIfNull(weights);
        if (relatives.Count != members.Count)
        {
            throw new ArgumentException($"The relative space has {relatives.Count} members, the ensemble {members.Count}.", nameof(relatives));
        }

        FusionGate.CheckThreshold(gateThreshold, nameof(gateThreshold));

        _relatives = relatives;
        _weights = weights;
        _options = options;
        _projectionTopTokens = projectionTopTokens;
        _exactMainRows = exactMainRows;
        _gateThreshold = gateThreshold;

        // Fails here, not at the first step, on weights or options the fusion rejects.
        _ = CreateFusion();
    }

    private EnsembleBatch(IReadOnlyList<EnsembleMember> members, int mainModel)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegative(mainModel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mainModel, members.Count);
        _members = members;
        MainModel = mainModel;
    }

    public int MainModel { get; }

    public EnsembleMember Main => _members[MainModel];

    /// <summary>
    /// Streams fused at once, each on its own thread (the fusion dominates a fused step and the streams share only the
    /// read-only relative matrices); default 1, -1 for as many as the thread pool gives.
    /// </summary>
    public int FusionParallelism
    {
        get => _fusionParallelism.MaxDegreeOfParallelism;
        set
        {
            if (value is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "FusionParallelism must be positive, or -1 for no limit.");
            }

            _fusionParallelism.MaxDegreeOfParallelism = value;
        }
    }

    /// <summary>Native calls made so far: one per step for the main model, plus one per assistant at steps where a stream fuses.</summary>
    public long ModelCalls { get; private set; }

    /// <summary>Time in the main model's batched calls, summed.</summary>
    public TimeSpan MainModelTime { get; private set; }

    /// <summary>Time syncing the assistants (re-tokenising and their batched calls), summed.</summary>
    public TimeSpan AssistantTime { get; private set; }

    /// <summary>Time in the per-stream fusion (projection and inverse search), summed.</summary>
    public TimeSpan FusionTime { get; private set; }

    /// <summary>Mode "main": the main model's greedy argmax for every stream; the assistants are never run.</summary>
    public static EnsembleBatch MainOnly(IReadOnlyList<EnsembleMember> members, int mainModel) => new(members, mainModel);

    /// <summary>
    /// Greedy continuations of every prompt, by up to <paramref name="maxTokens"/> steps each, in the prompts' order.
    /// Every prompt is validated before the first model call.
    /// </summary>
    public IReadOnlyList<EnsembleGeneration> Generate(IReadOnlyList<string> prompts, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        var streams = new EnsembleBatchStream[prompts.Count];
        for (var s = 0; s < streams.Length; s++)
        {
            streams[s] = new EnsembleBatchStream(prompts[s], PromptTokens(prompts[s], s), _members, MainModel, _relatives is null ? null : CreateFusion());
        }

        var active = streams.ToList();
        RunMain(active);
        while (maxTokens > 0 && active.Count > 0)
        {
            var fusing = ChooseFusingStreams(active);
            SyncAssistants(fusing);
            var started = Stopwatch.GetTimestamp();
            if (FusionParallelism == 1 || fusing.Count < 2)
            {
                foreach (var stream in active)
                {
                    Step(stream, maxTokens);
                }
            }
            else
            {
                Parallel.ForEach(active, _fusionParallelism, stream => Step(stream, maxTokens));
            }

            FusionTime += Stopwatch.GetElapsedTime(started);
            active.RemoveAll(s => s.Finished);
            RunMain(active);
        }

        var tokenizer = Main.Tokenizer;
        return [.. streams.Select(s => new EnsembleGeneration(s.Prompt, tokenizer.Decode(CollectionsMarshal.AsSpan(s.Generated), skipSpecialTokens: true), [.. s.Generated], s.StepsChangedByFusion))];
    }

    private int[] PromptTokens(string prompt, int index)
    {
        ArgumentNullException.ThrowIfNull(prompt, $"prompts[{index}]");
        var tokens = Main.Tokenizer.Encode(prompt);
        if (tokens.Length == 0)
        {
            throw new ArgumentException($"Prompt {index} gives no tokens.", nameof(prompt));
        }

        if (tokens.Length >= Main.Context)
        {
            throw new ArgumentException($"Prompt {index} is {tokens.Length} tokens for {Main.Name}, which leaves no room in its context of {Main.Context}.", nameof(prompt));
        }

        return tokens;
    }

    private DeePEnFusion CreateFusion() => new(_relatives!, _weights!, MainModel, _options, _projectionTopTokens, _exactMainRows);

    /// <summary>One native call for every stream's pending main-model tokens.</summary>
    private void RunMain(List<EnsembleBatchStream> streams)
    {
        if (streams.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var tokens = new ReadOnlyMemory<long>[streams.Count];
        var caches = new Models.KeyValueCache[streams.Count];
        for (var s = 0; s < streams.Count; s++)
        {
            tokens[s] = streams[s].Pending;
            caches[s] = streams[s].MainCache;
        }

        var logits = Main.Model.NextTokenLogitsBatch(tokens, caches);
        ModelCalls++;
        for (var s = 0; s < streams.Count; s++)
        {
            streams[s].MainLogits = logits[s];
            streams[s].Pending = [];
        }

        MainModelTime += Stopwatch.GetElapsedTime(started);
    }

    private List<EnsembleBatchStream> ChooseFusingStreams(List<EnsembleBatchStream> active)
    {
        var fusing = new List<EnsembleBatchStream>(active.Count);
        foreach (var stream in active)
        {
            stream.FusesThisStep = stream.Fusion is not null && (_gateThreshold is not { } threshold || FusionGate.ShouldFuse(stream.MainLogits, threshold));
            if (stream.FusesThisStep)
            {
                fusing.Add(stream);
            }
        }

        return fusing;
    }

    /// <summary>Brings every fusing stream's assistants to its current text: per assistant, one native call for the streams that need one.</summary>
    private void SyncAssistants(List<EnsembleBatchStream> fusing)
    {
        if (fusing.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var texts = new string[fusing.Count];
        for (var s = 0; s < fusing.Count; s++)
        {
            texts[s] = EnsembleDecoder.TextOf(Main.Tokenizer, CollectionsMarshal.AsSpan(fusing[s].MainTokens));
        }

        for (var i = 0; i < _members.Count; i++)
        {
            if (i == MainModel)
            {
                continue;
            }

            var decoders = new List<TextSyncedDecoder>(fusing.Count);
            var tokens = new List<ReadOnlyMemory<long>>(fusing.Count);
            for (var s = 0; s < fusing.Count; s++)
            {
                var decoder = fusing[s].Assistants[i]!;
                if (decoder.TokensToRun(texts[s]) is { } fresh)
                {
                    decoders.Add(decoder);
                    tokens.Add(fresh);
                }
            }

            if (decoders.Count == 0)
            {
                continue;
            }

            var logits = _members[i].Model.NextTokenLogitsBatch(tokens, [.. decoders.Select(d => d.Cache)]);
            ModelCalls++;
            for (var d = 0; d < decoders.Count; d++)
            {
                decoders[d].Accept(logits[d]);
            }
        }

        AssistantTime += Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Chooses one stream's token (as <see cref="DeePEnEnsemble"/> would) and queues it for the next main-model call, or finishes the stream.</summary>
    private void Step(EnsembleBatchStream stream, int maxTokens)
    {
        var mainLogits = stream.MainLogits;
        var own = TensorPrimitives.IndexOfMax(mainLogits);
        var token = own;
        if (stream.FusesThisStep)
        {
            var fusion = stream.Fusion!;
            fusion.Reset();
            for (var i = 0; i < _members.Count; i++)
            {
                fusion.AddLogits(i, i == MainModel ? mainLogits : stream.Assistants[i]!.LastLogits);
            }

            token = fusion.Search(mainLogits);
        }

        stream.Generated.Add(token);
        stream.StepsChangedByFusion += token != own ? 1 : 0;
        if (Main.Tokenizer.IsAddedToken(token) || stream.MainTokens.Count >= Main.Context || stream.Generated.Count >= maxTokens)
        {
            stream.Finished = true;
            return;
        }

        stream.MainTokens.Add(token);
        stream.Pending = [token];
    }
}
