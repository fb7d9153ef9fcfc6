using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Fusion;
using Kcm.Onnx;

namespace Kcm.Benchmarks.Ensemble;

/// <summary>
/// Batched ensemble decoding (<see cref="EnsembleBatch"/>: one main-model call per step for B prompts, one call per
/// assistant per step) against the same prompts decoded one after another by <see cref="DeePEnEnsemble"/>, side by
/// side in one run: generated tokens per second for B = 1, 4 and 8, and whether both give the same tokens.
/// `./kcm bench ensemble-batch [--mode avg|main|sparse|gated|adapt] [--tokens N]`.
/// </summary>
public static class EnsembleBatchBenchmark
{
    private const int Repeats = 5;

    public static Command Create()
    {
        var mode = new Option<string>("--mode") { Description = "main, avg, adapt, sparse or gated.", DefaultValueFactory = _ => "avg" };
        var tokens = new Option<int>("--tokens") { Description = "Generated tokens per prompt.", DefaultValueFactory = _ => 24 };
        var command = new Command("ensemble-batch", "Batched DeePEn decoding (one model call per step for B prompts) vs the same prompts one after another: tokens/s for B = 1, 4, 8, same tokens.")
        {
            mode, tokens,
        };
        command.SetAction(parse =>
        {
            if (!EnsembleModes.TryParse(parse.GetValue(mode), out var chosen) || parse.GetValue(tokens) < 1)
            {
                Console.Error.WriteLine("--mode must be main, avg, adapt, sparse or gated, and --tokens at least 1.");
                return 2;
            }

            var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
            return Run(Path.Combine(home, "models", "sotu-ensemble.json"), SotuCorpus.DefaultFolder(home), chosen, parse.GetValue(tokens));
        });
        return command;
    }

    /// <summary>Prints one row per batch size to <paramref name="output"/>; returns 0 when every prompt gave the same tokens both ways, 1 otherwise.</summary>
    /// <param name="manifestPath">The ensemble manifest (e.g. models/sotu-ensemble.json).</param>
    /// <param name="corpusFolder">The SotU corpus (<see cref="SotuCorpus.DefaultFolder"/>); prompts come from its held-out test addresses.</param>
    /// <param name="mode">The ensemble mode of both decoders.</param>
    /// <param name="maxTokens">Generated tokens per prompt.</param>
    /// <param name="output">Where the table goes (the console when null).</param>
    /// <param name="batchSizes">B values; 1, 4 and 8 when null.</param>
    public static int Run(string manifestPath, string corpusFolder, EnsembleMode mode = EnsembleMode.Avg, int maxTokens = 24, TextWriter? output = null, IReadOnlyList<int>? batchSizes = null)
    {
        output ??= Console.Out;
        batchSizes ??= [1, 4, 8];
        using var pool = EnsemblePool.Load(manifestPath, new OnnxSessionOptions { IntraOpThreads = 1 });
        var corpus = SotuCorpus.Load(corpusFolder);
        var prompts = NextWordPrompts.Sample(corpus.Test, batchSizes.Max(), seed: 7, passageCharacters: 60, minContextWords: 5, _ => true, out _)
            .Select(p => p.Text).ToList();
        output.WriteLine(Invariant($"ensemble {pool.Name}: {string.Join(", ", pool.Members.Select(m => m.Name))}; main {pool.Main.Name}; mode {mode.Name()}; {maxTokens} tokens per prompt; 1 ONNX thread per model; {Environment.ProcessorCount} cores"));

        // Warm-up over every batch size, so tiered compilation has settled before timing.
        foreach (var size in batchSizes)
        {
            Batch(pool, mode).Generate(prompts.Take(size).ToList(), 8);
            pool.CreateDecoder(mode).Generate(prompts[0], 8);
        }

        output.WriteLine(Invariant($"best of {Repeats} alternating runs each (the machine is shared)"));
        output.WriteLine($"   B | one after another tok/s | batched tok/s | speed-up | batched, fusion on {Environment.ProcessorCount} threads | speed-up | model calls (batched) | same tokens | batched time split (last run)");
        var allSame = true;
        foreach (var size in batchSizes)
        {
            var group = prompts.Take(size).ToList();
            var sequentialTime = TimeSpan.MaxValue;
            var batchedTime = TimeSpan.MaxValue;
            var parallelTime = TimeSpan.MaxValue;
            IReadOnlyList<EnsembleGeneration> sequential = [];
            IReadOnlyList<EnsembleGeneration> batched = [];
            long calls = 0;
            var split = string.Empty;
            for (var repeat = 0; repeat < Repeats; repeat++)
            {
                var started = Stopwatch.GetTimestamp();
                sequential = [.. group.Select(p => pool.CreateDecoder(mode).Generate(p, maxTokens))];
                sequentialTime = Min(sequentialTime, Stopwatch.GetElapsedTime(started));

                var batch = Batch(pool, mode);
                started = Stopwatch.GetTimestamp();
                batched = batch.Generate(group, maxTokens);
                batchedTime = Min(batchedTime, Stopwatch.GetElapsedTime(started));
                calls = batch.ModelCalls;

                if (mode != EnsembleMode.Main)
                {
                    var parallel = Batch(pool, mode);
                    parallel.FusionParallelism = Environment.ProcessorCount;
                    started = Stopwatch.GetTimestamp();
                    var parallelTokens = parallel.Generate(group, maxTokens);
                    parallelTime = Min(parallelTime, Stopwatch.GetElapsedTime(started));
                    allSame &= parallelTokens.Zip(batched).All(pair => pair.First.Tokens.SequenceEqual(pair.Second.Tokens));
                }
                split = Invariant($"main {batch.MainModelTime.TotalMilliseconds:F0} ms, assistants {batch.AssistantTime.TotalMilliseconds:F0} ms, fusion {batch.FusionTime.TotalMilliseconds:F0} ms");
            }

            var same = sequential.Zip(batched).Count(pair => pair.First.Tokens.SequenceEqual(pair.Second.Tokens));
            allSame &= same == group.Count;
            var one = sequential.Sum(g => g.Tokens.Count) / sequentialTime.TotalSeconds;
            var many = batched.Sum(g => g.Tokens.Count) / batchedTime.TotalSeconds;
            var manyParallel = batched.Sum(g => g.Tokens.Count) / parallelTime.TotalSeconds;
            output.WriteLine(Invariant($"{size,4} | {one,23:F1} | {many,13:F1} | {many / one,7:F2}x | {(mode == EnsembleMode.Main ? "-" : Invariant($"{manyParallel:F1}")),21} | {(mode == EnsembleMode.Main ? "-" : Invariant($"{manyParallel / one:F2}x")),8} | {calls,21} | {same}/{group.Count} | {split}"));
        }

        return allSame ? 0 : 1;
    }

    /// <summary>The batched decoder for <paramref name="mode"/>, configured as <see cref="EnsemblePool.CreateDecoder"/> configures the one-stream one.</summary>
    public static EnsembleBatch Batch(EnsemblePool pool, EnsembleMode mode)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var m = pool.Manifest;
        var average = FusionWeights.Average(pool.Members.Count);
        return mode switch
        {
            EnsembleMode.Main => EnsembleBatch.MainOnly(pool.Members, pool.MainModel),
            EnsembleMode.Avg => new EnsembleBatch(pool.Members, pool.Space.Relatives, pool.MainModel, average, m.Search),
            EnsembleMode.Adapt => new EnsembleBatch(pool.Members, pool.Space.Relatives, pool.MainModel, m.AdaptiveWeights ?? throw new InvalidOperationException($"Ensemble {pool.Name} has no adaptive weights."), m.Search),
            EnsembleMode.Sparse => new EnsembleBatch(pool.Members, pool.Space.SparseRelatives(m.SparseAnchorsPerRow), pool.MainModel, average, m.Search, m.ProjectionTopTokens, exactMainRows: pool.ExactMainRows),
            EnsembleMode.Gated => new EnsembleBatch(pool.Members, pool.Space.Relatives, pool.MainModel, average, m.Search, gateThreshold: m.GateThreshold),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown ensemble mode."),
        };
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
