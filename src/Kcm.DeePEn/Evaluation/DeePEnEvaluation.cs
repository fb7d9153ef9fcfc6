using System.Diagnostics;
using System.Numerics.Tensors;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Fusion;
using Kcm.DeePEn.Tokenizers;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// Measures DeePEn on held-out State of the Union text by teacher forcing: at each position of a passage's main-model
/// tokenisation every model sees the same text (the main model its own tokens, each assistant its re-tokenisation of
/// the decoded text, as the reference implementation does), and each mode's next token is compared with the true next
/// main-model token. The main model is the best single model on the development passages (lowest bits per byte);
/// DeePEn-Adapt's weights are the models' development accuracies in the main model's vocabulary.
/// </summary>
public sealed class DeePEnEvaluation
{
    private readonly IReadOnlyList<EnsembleMember> _members;
    private readonly DeePEnEvaluationOptions _options;

    public DeePEnEvaluation(IReadOnlyList<EnsembleMember> members, DeePEnEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2)
        {
            throw new ArgumentException($"An ensemble needs at least two models (got {members.Count}).", nameof(members));
        }

        _members = members;
        _options = options ?? new DeePEnEvaluationOptions();
        _options.Validate();
    }

    public DeePEnReport Run(SotuCorpus corpus, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var clock = Stopwatch.StartNew();
        progress?.Report("building anchors and relative matrices");
        var space = RelativeSpace.Build(_members);
        var count = _members.Count;

        var developmentPassages = HeldOutPassages.Select(corpus.Development, _members, 0, _options.PassageCharacters, _options.Seed, _options.DevelopmentPositions, out var skippedDevelopment);
        var developmentOwn = new OwnTokenFigures[count];
        for (var i = 0; i < count; i++)
        {
            progress?.Report($"development bits per byte: {_members[i].Name}");
            developmentOwn[i] = TokenPerplexity.Measure(_members[i], developmentPassages);
        }

        var main = 0;
        for (var i = 1; i < count; i++)
        {
            if (developmentOwn[i].BitsPerByte < developmentOwn[main].BitsPerByte)
            {
                main = i;
            }
        }

        var singles = Singles(space, main);
        progress?.Report($"development accuracy in {_members[main].Name}'s vocabulary");
        var decoder = new EnsembleDecoder(_members, main);
        var development = TeacherForce(decoder, developmentPassages, singles, _options.DevelopmentPositions);
        var developmentAccuracy = singles.Select(s => s.Accuracy).ToArray();
        var adaptiveWeights = FusionWeights.Adaptive(developmentAccuracy);

        int[] everyone = [.. Enumerable.Range(0, count)];
        var averageWeights = FusionWeights.Average(count);
        var average = new Scorer("avg", new DeePEnFusion(space.Relatives, averageWeights, main, _options.Search), everyone, space.Bytes);
        var adaptive = new Scorer("adapt", new DeePEnFusion(space.Relatives, adaptiveWeights, main, _options.Search), everyone, space.Bytes, reference: average);
        var sparseRelatives = space.Sparse(_options.SparseAnchorsPerRow);
        var exactRows = _options.ExactCandidateRows ? new EmbeddingRelativeRows(_members[main].Embeddings, space.Anchors.TokenIds[main]) : null;
        var sparse = new Scorer(
            "sparse",
            new DeePEnFusion(sparseRelatives, averageWeights, main, _options.Search, _options.ProjectionTopTokens, exactRows),
            everyone,
            sparseRelatives.Sum(r => r.Bytes) + (exactRows?.Bytes ?? 0),
            reference: average);
        var gated = new Scorer("gated", new DeePEnFusion(space.Relatives, averageWeights, main, _options.Search), everyone, space.Bytes, _options.GateThreshold, average);
        var testSingles = Singles(space, main);
        var testPassages = HeldOutPassages.Select(corpus.Test, _members, main, _options.PassageCharacters, _options.Seed, _options.TestPositions, out var skippedTest);
        progress?.Report($"test: {testPassages.Count} passages, up to {_options.TestPositions} positions");
        var mainTimeBefore = decoder.MainModelTime;
        var assistantTimeBefore = decoder.AssistantTime;
        var test = TeacherForce(decoder, testPassages, [.. testSingles, average, adaptive, sparse, gated], _options.TestPositions);
        var mainMilliseconds = test.Positions == 0 ? 0 : (decoder.MainModelTime - mainTimeBefore).TotalMilliseconds / test.Positions;
        var assistantMilliseconds = test.Positions == 0 ? 0 : (decoder.AssistantTime - assistantTimeBefore).TotalMilliseconds / test.Positions;

        var models = new List<MemberFigures>(count);
        for (var i = 0; i < count; i++)
        {
            var member = _members[i];
            var own = TokenPerplexity.Measure(member, testPassages);
            models.Add(new MemberFigures(
                member.Name,
                member.Tokenizer.Kind == TokenizerKind.ByteLevel ? "byte-level BPE" : "SentencePiece-style BPE",
                member.Tokenizer.VocabularySize,
                developmentOwn[i].BitsPerByte,
                own.BitsPerByte,
                own.Perplexity,
                own.Accuracy,
                developmentAccuracy[i],
                testSingles[i].Accuracy,
                adaptiveWeights[i]));
        }

        var modes = new Dictionary<string, ModeFigures>(StringComparer.Ordinal)
        {
            ["main"] = testSingles[main].Figures(mainMilliseconds, assistantMilliseconds),
            ["avg"] = average.Figures(mainMilliseconds, assistantMilliseconds),
            ["adapt"] = adaptive.Figures(mainMilliseconds, assistantMilliseconds),
            ["sparse"] = sparse.Figures(mainMilliseconds, assistantMilliseconds),
            ["gated"] = gated.Figures(mainMilliseconds, assistantMilliseconds),
        };
        return new DeePEnReport(
            _members[main].Name,
            models,
            modes,
            space.Anchors.Count,
            space.Bytes,
            test.Passages,
            test.Positions,
            development.Positions,
            skippedDevelopment + skippedTest,
            test.Positions == 0 ? 0 : test.DecodingMilliseconds / test.Positions,
            clock.Elapsed.TotalSeconds,
            _options);
    }

    // Each model alone in the main model's vocabulary: the main model's argmax, or an assistant's distribution mapped
    // through the relative space and back (DeePEn with all the weight on that model).
    private Scorer[] Singles(RelativeSpace space, int main)
    {
        var singles = new Scorer[_members.Count];
        for (var i = 0; i < singles.Length; i++)
        {
            if (i == main)
            {
                singles[i] = new Scorer(_members[i].Name, null, []);
                continue;
            }

            var weights = new float[_members.Count];
            weights[i] = 1f;
            singles[i] = new Scorer(_members[i].Name, new DeePEnFusion(space.Relatives, weights, main, _options.Search), [i]);
        }

        return singles;
    }

    private Tally TeacherForce(EnsembleDecoder decoder, IReadOnlyList<string> passages, IReadOnlyList<Scorer> scorers, int maxPositions)
    {
        var main = decoder.MainModel;
        var tokenizer = _members[main].Tokenizer;
        var tally = new Tally();
        var watch = new Stopwatch();
        foreach (var passage in passages)
        {
            var tokens = tokenizer.Encode(passage);
            if (tokens.Length < 2)
            {
                continue;
            }

            // The assistants need some text: the context starts with the fewest main tokens that decode to a
            // complete character (one token, unless the passage opens with a bare "▁" or a split character).
            var first = 1;
            while (first < tokens.Length && EnsembleDecoder.TextOf(tokenizer, tokens.AsSpan(0, first)).Length == 0)
            {
                first++;
            }

            if (first >= tokens.Length)
            {
                continue;
            }

            tally.Passages++;
            watch.Restart();
            decoder.Start(tokens.AsSpan(0, first));
            decoder.SyncAssistants();
            tally.DecodingMilliseconds += watch.Elapsed.TotalMilliseconds;
            for (var t = first; t < tokens.Length; t++)
            {
                var own = TensorPrimitives.IndexOfMax(decoder.Logits(main));
                foreach (var scorer in scorers)
                {
                    scorer.Score(decoder, own, tokens[t]);
                }

                if (++tally.Positions >= maxPositions)
                {
                    return tally;
                }

                if (t < tokens.Length - 1)
                {
                    watch.Restart();
                    decoder.Append(tokens[t]);

                    // Every mode is scored at each position, so the assistants are synced here, in the decoding time,
                    // not lazily inside the first fused mode's timed step.
                    decoder.SyncAssistants();
                    tally.DecodingMilliseconds += watch.Elapsed.TotalMilliseconds;
                }
            }
        }

        return tally;
    }

    private sealed class Tally
    {
        public int Passages { get; set; }

        public int Positions { get; set; }

        public double DecodingMilliseconds { get; set; }
    }

    /// <summary>One mode's choice at each position and its running counts.</summary>
    /// <param name="name">The mode's or model's name.</param>
    /// <param name="fusion">The fusion; null for the main model's own argmax.</param>
    /// <param name="members">The members whose distributions are fused.</param>
    /// <param name="relativeMatrixBytes">Bytes of the relative matrices the fusion uses.</param>
    /// <param name="gateThreshold">When set, the mode fuses only where the main model's top probability is below it.</param>
    /// <param name="reference">A scorer scored earlier at each position, whose choice this one's agreement is counted against.</param>
    private sealed class Scorer(string name, DeePEnFusion? fusion, int[] members, long relativeMatrixBytes = 0, float? gateThreshold = null, Scorer? reference = null)
    {
        private readonly Stopwatch _watch = new();
        private long _positions;
        private long _correct;
        private long _changed;
        private long _fused;
        private long _agreed;

        public string Name { get; } = name;

        public double Accuracy => _positions == 0 ? 0 : (double)_correct / _positions;

        public int LastChoice { get; private set; } = -1;

        public void Score(EnsembleDecoder decoder, int mainChoice, int target)
        {
            var choice = mainChoice;
            if (fusion is not null)
            {
                _watch.Start();
                if (gateThreshold is not { } threshold || FusionGate.ShouldFuse(decoder.Logits(decoder.MainModel), threshold))
                {
                    fusion.Reset();
                    foreach (var member in members)
                    {
                        fusion.AddLogits(member, decoder.Logits(member));
                    }

                    choice = fusion.Search(decoder.Logits(decoder.MainModel));
                    _fused++;
                }

                _watch.Stop();
            }

            LastChoice = choice;
            _positions++;
            _correct += choice == target ? 1 : 0;
            _changed += choice != mainChoice ? 1 : 0;
            _agreed += reference is null || reference.LastChoice == choice ? 1 : 0;
        }

        /// <summary>The figures so far, with tokens per second from the decoder's measured times.</summary>
        /// <param name="mainMilliseconds">Mean main-model time per position.</param>
        /// <param name="assistantMilliseconds">Mean assistant-sync time per position.</param>
        public ModeFigures Figures(double mainMilliseconds, double assistantMilliseconds)
        {
            var share = (double)_fused / Math.Max(1, _positions);
            var stepMilliseconds = _positions == 0 ? 0 : _watch.Elapsed.TotalMilliseconds / _positions;
            var perToken = mainMilliseconds + (share * assistantMilliseconds) + stepMilliseconds;
            return new ModeFigures(
                Accuracy,
                _positions == 0 ? 0 : (double)_changed / _positions,
                stepMilliseconds,
                share,
                perToken > 0 ? 1000 / perToken : 0,
                relativeMatrixBytes,
                _positions == 0 ? 0 : (double)_agreed / _positions);
        }
    }
}
