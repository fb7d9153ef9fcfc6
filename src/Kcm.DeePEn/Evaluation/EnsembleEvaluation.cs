using System.Diagnostics;
using System.Text;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Fusion;
using Kcm.DeePEn.Tokenizers;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// The evaluation protocol on held-out State of the Union addresses (<c>./kcm eval-ensemble</c>): next-word
/// accuracy of greedy continuation (<see cref="Words"/>, so tokenizers do not matter) for each model decoding alone and
/// for each ensemble mode, over prompts cut from the test addresses (<see cref="NextWordPrompts"/>). The main model is
/// the best single model on prompts cut from the development addresses, and DeePEn-Adapt's weights are the models'
/// development next-word accuracies, normalised. Also each model's held-out perplexity, and the main model's with and
/// without fusion at the same positions (<see cref="FusedPerplexity"/>).
/// </summary>
public sealed class EnsembleEvaluation
{
    /// <summary>What <see cref="Words"/> counts as a word, for the report.</summary>
    public const string WordDefinition =
        "a run is a maximal sequence of non-whitespace characters; its word is the run without leading and trailing Unicode punctuation and symbols; "
        + "words compare ordinally, case-sensitively; a prompt ends right after a run, and the continuation's word is the word of its first run when it starts with whitespace (otherwise none)";

    private readonly EnsembleManifest _manifest;
    private readonly IReadOnlyList<EnsembleMember> _members;
    private readonly EnsembleEvaluationOptions _options;

    /// <param name="manifest">The ensemble: its main model and adaptive weights are measured here, its other settings (sparse, gate, search) are used.</param>
    /// <param name="members">The manifest's members, loaded, in its order (the caller disposes them).</param>
    /// <param name="options">Defaults when null.</param>
    /// <param name="allowFewPrompts">Allows fewer than <see cref="EnsembleEvaluationOptions.MinimumPrompts"/> test prompts (smoke runs).</param>
    public EnsembleEvaluation(EnsembleManifest manifest, IReadOnlyList<EnsembleMember> members, EnsembleEvaluationOptions? options = null, bool allowFewPrompts = false)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2 || members.Count != manifest.Members.Count)
        {
            throw new ArgumentException($"The manifest lists {manifest.Members.Count} members and {members.Count} were loaded; an ensemble needs at least two.", nameof(members));
        }

        _manifest = manifest;
        _members = members;
        _options = options ?? new EnsembleEvaluationOptions();
        _options.Validate(allowFewPrompts);
    }

    public EnsembleEvaluationReport Run(SotuCorpus corpus, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var clock = Stopwatch.StartNew();
        var o = _options;
        progress?.Report("building anchors and relative matrices");
        var space = RelativeSpace.Build(_members);

        var development = NextWordPrompts.Sample(corpus.Development, o.DevelopmentPrompts, o.Seed, o.PassageCharacters, o.MinContextWords, Fits, out var skippedDevelopment);
        var test = NextWordPrompts.Sample(corpus.Test, o.Prompts, o.Seed + 1, o.PassageCharacters, o.MinContextWords, Fits, out var skippedTest);
        if (development.Count == 0 || test.Count == 0)
        {
            throw new InvalidDataException($"No prompts could be cut ({development.Count} development, {test.Count} test): the addresses are too short for the models' context.");
        }

        var count = _members.Count;
        var developmentTallies = new NextWordTally[count];
        for (var i = 0; i < count; i++)
        {
            progress?.Report($"development: {_members[i].Name} alone, {development.Count} prompts");
            developmentTallies[i] = Score(DeePEnEnsemble.MainOnly(_members, i), development);
        }

        var main = 0;
        for (var i = 1; i < count; i++)
        {
            main = developmentTallies[i].Accuracy > developmentTallies[main].Accuracy ? i : main;
        }

        // DeePEn-Adapt's weights are the development scores; if every model scored 0 there is nothing to weight by.
        var scores = developmentTallies.Select(t => t.Accuracy).ToArray();
        var weights = scores.Sum() > 0 ? FusionWeights.Adaptive(scores) : FusionWeights.Average(count);
        var manifest = _manifest with { Main = _manifest.Members[main], AdaptiveWeights = weights };

        // The pool only wraps the members here; the caller owns and disposes them, so the pool is not disposed.
        var pool = EnsemblePool.Create(manifest, _members, space);
        var singles = new NextWordTally[count];
        for (var i = 0; i < count; i++)
        {
            progress?.Report($"test: {_members[i].Name} alone, {test.Count} prompts");
            singles[i] = Score(DeePEnEnsemble.MainOnly(_members, i), test);
        }

        var modes = new Dictionary<string, EnsembleModeFigures>(StringComparer.Ordinal);
        foreach (var mode in EnsembleModes.All)
        {
            progress?.Report($"test: mode {mode.Name()} (main {_members[main].Name}), {test.Count} prompts");
            var tally = Score(pool.CreateDecoder(mode), test);
            modes[mode.Name()] = new EnsembleModeFigures(
                tally.Accuracy,
                tally.StandardError,
                tally.TokensPerSecond,
                tally.MillisecondsPerTokenAfterPrompt,
                tally.FusedStepShare,
                pool.RelativeBytes(mode),
                tally.Tokens,
                tally.RightWhereWrong(singles[main]),
                singles[main].RightWhereWrong(tally));
        }

        var passages = HeldOutPassages.Select(corpus.Test, _members, main, _options.PassageCharacters, _options.Seed, _options.PerplexityPositions, out _);
        progress?.Report($"perplexity: {passages.Count} test passages, {_members[main].Name} with and without fusion over up to {o.PerplexityPositions} positions");
        var models = new Dictionary<string, EnsembleModelFigures>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var member = _members[i];
            var (perplexity, bitsPerByte, _) = TokenPerplexity.Measure(member, passages);
            models[member.Name] = new EnsembleModelFigures(
                member.Tokenizer.Kind == TokenizerKind.ByteLevel ? "byte-level BPE" : "SentencePiece-style BPE",
                member.Tokenizer.VocabularySize,
                developmentTallies[i].Accuracy,
                weights[i],
                singles[i].Accuracy,
                singles[i].StandardError,
                perplexity,
                bitsPerByte,
                singles[i].TokensPerSecond);
        }

        var fusion = new DeePEnFusion(space.Relatives, FusionWeights.Average(count), main, manifest.Search);
        var fused = FusedPerplexity.Measure(new EnsembleDecoder(_members, main), fusion, passages, o.PerplexityPositions, EnsembleMode.Avg.Name());
        return new EnsembleEvaluationReport(
            _members[main].Name,
            models,
            modes,
            fused,
            manifest,
            test.Count,
            development.Count,
            skippedDevelopment + skippedTest,
            space.Anchors.Count,
            clock.Elapsed.TotalSeconds,
            WordDefinition,
            o);
    }

    // A prompt fits when every model's context holds its tokens plus the continuation's token cap.
    private bool Fits(string prompt)
    {
        foreach (var member in _members)
        {
            if (member.Tokenizer.Encode(prompt).Length + _options.MaxTokensPerPrompt > member.Context)
            {
                return false;
            }
        }

        return true;
    }

    private NextWordTally Score(DeePEnEnsemble decoder, IReadOnlyList<NextWordPrompt> prompts)
    {
        var tally = new NextWordTally();
        var buffer = new StringBuilder();

        // One untimed continuation first, so the just-in-time compilation of this decoder's path is not in its speed.
        WordContinuation.Generate(decoder, prompts[0].Text, _options.MaxTokensPerPrompt, buffer);
        foreach (var prompt in prompts)
        {
            tally.Add(WordContinuation.Generate(decoder, prompt.Text, _options.MaxTokensPerPrompt, buffer), prompt.Target);
        }

        return tally;
    }
}
