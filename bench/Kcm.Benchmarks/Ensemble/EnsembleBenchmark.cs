using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Fusion;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Benchmarks.Ensemble;

/// <summary>
/// `./kcm bench ensemble`: DeePEn greedy decoding per generated token, side by side in one run on the same prompts:
/// <see cref="DeePEnEnsemble"/> (key/value caches, incremental assistant sync) against
/// <see cref="PrefixRecomputingEnsemble"/> (the reference's way: every model re-runs its whole re-tokenised prefix at
/// every step). Both must give the same tokens, which is checked and printed; the target is at least 3x per token.
/// </summary>
public static class EnsembleBenchmark
{
    private const double TargetSpeedUp = 3.0;

    public static Command Create()
    {
        var manifest = new Option<string?>("--manifest") { Description = "The ensemble (default models/sotu-ensemble.json under KCM_HOME)." };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per length (short ones from the held-out test addresses).", DefaultValueFactory = _ => 8 };
        var tokens = new Option<int[]>("--tokens") { Description = "Generated tokens per prompt, one measurement each.", DefaultValueFactory = _ => [32, 96], AllowMultipleArgumentsPerToken = true };
        var mode = new Option<string>("--mode") { Description = "avg, adapt or sparse.", DefaultValueFactory = _ => "avg" };
        var promptCharacters = new Option<int>("--prompt-characters") { Description = "Longest passage a prompt is cut from (longer prompts make every recomputed prefix longer; prompt plus continuation must fit the models' context).", DefaultValueFactory = _ => 60 };
        var command = new Command("ensemble", "DeePEn decoding with KV caches and incremental assistant sync vs recomputing every prefix at every step: ms per token, same tokens.")
        {
            manifest, prompts, tokens, mode, promptCharacters,
        };
        command.SetAction(parse => Run(parse.GetValue(manifest), parse.GetValue(prompts), parse.GetValue(tokens) ?? [], parse.GetValue(mode) ?? "avg", parse.GetValue(promptCharacters)));
        return command;
    }

    private static int Run(string? manifestPath, int promptCount, int[] lengths, string modeName, int promptCharacters)
    {
        if (promptCount < 1 || lengths.Length == 0 || lengths.Any(t => t < 1) || promptCharacters < 16)
        {
            Console.Error.WriteLine("--prompts and every --tokens value must be at least 1, --prompt-characters at least 16.");
            return 2;
        }

        if (!EnsembleModes.TryParse(modeName, out var mode) || mode is EnsembleMode.Main or EnsembleMode.Gated)
        {
            Console.Error.WriteLine($"--mode must be avg, adapt or sparse (got '{modeName}').");
            return 2;
        }

        var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
        manifestPath ??= Path.Combine(home, "models", "sotu-ensemble.json");
        EnsemblePool loaded;
        try
        {
            loaded = EnsemblePool.Load(manifestPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or OnnxRuntimeException or OnnxProviderUnavailableException)
        {
            Console.Error.WriteLine($"bench ensemble: {e.Message}");
            return 1;
        }

        using var pool = loaded;
        if (!pool.Supports(mode))
        {
            Console.Error.WriteLine($"{manifestPath} has no adaptive weights: run ./kcm eval-ensemble --write-manifest first, or use --mode avg.");
            return 1;
        }

        var fast = pool.CreateDecoder(mode);
        var baseline = Baseline(pool, mode);
        var corpus = SotuCorpus.Load(SotuCorpus.DefaultFolder(home));

        // Prompts cut after at least 5 words from passages of at most --prompt-characters; short ones by default, so
        // the longest continuation still fits every model's context.
        var prompts = NextWordPrompts.Sample(corpus.Test, promptCount, seed: 7, promptCharacters, minContextWords: 5, _ => true, out _);
        var promptTokens = prompts.Average(p => pool.Main.Tokenizer.Encode(p.Text).Length);
        Console.WriteLine(Invariant($"ensemble {pool.Name}: {string.Join(", ", pool.Members.Select(m => m.Name))}; main {pool.Main.Name}; mode {mode.Name()}; {pool.Space.Anchors.Count} anchors; {prompts.Count} prompts of {promptTokens:F0} main tokens on average; 1 ONNX thread per model; {Environment.ProcessorCount} cores"));

        // Warm-up: both paths over a few dozen steps, so tiered just-in-time compilation has settled before timing.
        for (var i = 0; i < 3; i++)
        {
            Decode(fast, prompts[i % prompts.Count].Text, 16);
            baseline.Generate(prompts[i % prompts.Count].Text, 16);
        }
        var allSame = true;
        foreach (var length in lengths)
        {
            var fastTime = TimeSpan.Zero;
            var fastFusion = TimeSpan.Zero;
            var fastMain = TimeSpan.Zero;
            var fastAssistants = TimeSpan.Zero;
            var baselineTime = TimeSpan.Zero;
            var baselineFusion = baseline.FusionTime;
            var generated = 0;
            var same = 0;
            var measured = 0;
            foreach (var prompt in prompts)
            {
                Decoded mine;
                EnsembleGeneration reference;
                TimeSpan referenceTime;
                try
                {
                    mine = Decode(fast, prompt.Text, length);
                    var started = Stopwatch.GetTimestamp();
                    reference = baseline.Generate(prompt.Text, length);
                    referenceTime = Stopwatch.GetElapsedTime(started);
                }
                catch (ArgumentException e)
                {
                    // A continuation whose text outgrows an assistant's context cannot be decoded by either path.
                    Console.WriteLine(Invariant($"  skipped \"{prompt.Text}\": {e.Message}"));
                    continue;
                }

                measured++;
                fastTime += mine.Elapsed;
                fastFusion += mine.FusionTime;
                fastMain += mine.MainModelTime;
                fastAssistants += mine.AssistantTime;
                baselineTime += referenceTime;
                generated += mine.Tokens.Count;
                var equal = mine.Tokens.SequenceEqual(reference.Tokens);
                same += equal ? 1 : 0;
                if (!equal)
                {
                    Console.WriteLine(Invariant($"  DIFFERENT tokens for \"{prompt.Text}\": {pool.Main.Tokenizer.Decode(mine.Tokens.ToArray())} | {reference.Text}"));
                }
            }

            allSame &= same == measured;
            if (generated == 0)
            {
                Console.WriteLine(Invariant($"{length} tokens: no prompt could be measured"));
                continue;
            }

            var fastMs = fastTime.TotalMilliseconds / generated;
            var baselineMs = baselineTime.TotalMilliseconds / generated;
            var ratio = baselineMs / fastMs;
            var fastFusionMs = fastFusion.TotalMilliseconds / generated;
            var baselineFusionMs = (baseline.FusionTime - baselineFusion).TotalMilliseconds / generated;
            Console.WriteLine(Invariant(
                $"{length,3} tokens x {measured} prompts ({generated} tokens): DeePEnEnsemble {fastMs:F2} ms/token, PrefixRecomputingEnsemble {baselineMs:F2} ms/token, ratio {ratio:F2}x (target >= {TargetSpeedUp}x: {(ratio >= TargetSpeedUp ? "met" : "MISSED")}); same tokens on {same}/{measured} prompts"));
            Console.WriteLine(Invariant(
                $"     of which fusion (projection + inverse search, the same work in both): {fastFusionMs:F2} vs {baselineFusionMs:F2} ms/token; model runs and tokenisation: {fastMs - fastFusionMs:F2} vs {baselineMs - baselineFusionMs:F2} ms/token, ratio {(baselineMs - baselineFusionMs) / (fastMs - fastFusionMs):F2}x"));
            Console.WriteLine(Invariant(
                $"     DeePEnEnsemble per token: main model {fastMain.TotalMilliseconds / generated:F2} ms, assistants' sync (re-tokenise the text, run the new tokens) {fastAssistants.TotalMilliseconds / generated:F2} ms, fusion {fastFusionMs:F2} ms, the rest (decoding text) {fastMs - fastFusionMs - ((fastMain + fastAssistants).TotalMilliseconds / generated):F2} ms"));
        }

        return allSame ? 0 : 1;
    }

    private static PrefixRecomputingEnsemble Baseline(EnsemblePool pool, EnsembleMode mode)
    {
        var m = pool.Manifest;
        var count = pool.Members.Count;
        return mode switch
        {
            EnsembleMode.Avg => new PrefixRecomputingEnsemble(pool.Members, pool.Space.Relatives, pool.MainModel, FusionWeights.Average(count), m.Search),
            EnsembleMode.Adapt => new PrefixRecomputingEnsemble(pool.Members, pool.Space.Relatives, pool.MainModel, m.AdaptiveWeights!, m.Search),
            _ => new PrefixRecomputingEnsemble(pool.Members, pool.Space.Sparse(m.SparseAnchorsPerRow), pool.MainModel, FusionWeights.Average(count), m.Search, m.ProjectionTopTokens, pool.ExactMainRows),
        };
    }

    // DeePEnEnsemble.Decode step by step (what Generate does), keeping the tokens, the wall time and its parts.
    private static Decoded Decode(DeePEnEnsemble ensemble, string prompt, int length)
    {
        var tokens = new List<int>(length);
        var fusion = TimeSpan.Zero;
        var main = TimeSpan.Zero;
        var assistants = TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        foreach (var step in ensemble.Decode(prompt, length))
        {
            tokens.Add(step.Token);
            fusion += step.FusionTime;
            main += step.MainModelTime;
            assistants += step.AssistantTime;
        }

        return new Decoded(tokens, Stopwatch.GetElapsedTime(started), fusion, main, assistants);
    }

    private sealed record Decoded(List<int> Tokens, TimeSpan Elapsed, TimeSpan FusionTime, TimeSpan MainModelTime, TimeSpan AssistantTime);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
