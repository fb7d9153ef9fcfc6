using System.CommandLine;
using System.Globalization;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Tokenizers;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using static Kcm.Cli.Commands.ReportCells;

namespace Kcm.Cli.Commands;

/// <summary>
/// `kcm eval-ensemble`: the evaluation protocol (next-word accuracy of greedy continuation over held-out
/// prompts for each model and ensemble mode, perplexity with and without fusion, speed, memory); prints tables,
/// optionally writes the JSON report and the ensemble manifest with the measured main model and adaptive weights.
/// </summary>
internal static class EvalEnsembleCommand
{
    public const string DefaultManifest = "models/sotu-ensemble.json";

    public static Command Create()
    {
        var prompts = new Option<int?>("--prompts") { Description = $"Test prompts (held-out addresses from {SotuCorpus.TestFromYear}). Default and minimum {EnsembleEvaluationOptions.MinimumPrompts}, unless --quick." };
        var devPrompts = new Option<int?>("--dev-prompts") { Description = $"Development prompts ({SotuCorpus.DevelopmentFromYear}-{SotuCorpus.TestFromYear - 1}) that choose the main model and DeePEn-Adapt's weights. Default 500." };
        var positions = new Option<int?>("--perplexity-positions") { Description = "Main-model positions of the perplexity with and without fusion. Default 4000." };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var writeManifest = new Option<string?>("--write-manifest") { Description = "Write the ensemble manifest with the measured main model and adaptive weights to this file." };
        var manifest = new Option<string?>("--manifest") { Description = $"The ensemble to evaluate. Default: {DefaultManifest} under the repository." };
        var corpus = new Option<string?>("--corpus") { Description = $"The State of the Union JSON files. Default: {SotuCorpus.RelativeFolder} (./kcm setup)." };
        var quick = new Option<bool>("--quick") { Description = "A smoke configuration: 40 prompts each, 200 perplexity positions." };
        var command = new Command("eval-ensemble", "The ensemble's evaluation on held-out State of the Union addresses: next-word accuracy of each model and ensemble mode (main, avg, adapt, sparse, gated), perplexity with and without fusion, tokens per second, relative-matrix memory.")
        {
            prompts, devPrompts, positions, json, writeManifest, manifest, corpus, quick,
        };
        command.SetAction(parseResult =>
        {
            var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
            var isQuick = parseResult.GetValue(quick);
            var options = isQuick ? EnsembleEvaluationOptions.Quick : new EnsembleEvaluationOptions();
            options = options with
            {
                Prompts = parseResult.GetValue(prompts) ?? options.Prompts,
                DevelopmentPrompts = parseResult.GetValue(devPrompts) ?? options.DevelopmentPrompts,
                PerplexityPositions = parseResult.GetValue(positions) ?? options.PerplexityPositions,
            };
            try
            {
                options.Validate(allowFewPrompts: isQuick);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"eval-ensemble: {e.Message} (--prompts below {EnsembleEvaluationOptions.MinimumPrompts} needs --quick)");
                return 2;
            }

            var manifestPath = parseResult.GetValue(manifest) ?? Path.Combine(home, DefaultManifest);
            var members = new List<EnsembleMember>();
            try
            {
                var ensemble = EnsembleManifest.Read(manifestPath);
                var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
                members.AddRange(EnsembleMember.LoadAll(ensemble.MemberFolders(manifestPath), new OnnxSessionOptions { IntraOpThreads = 1 }));

                var data = SotuCorpus.Load(parseResult.GetValue(corpus) ?? SotuCorpus.DefaultFolder(home));
                var report = new EnsembleEvaluation(ensemble, members, options, allowFewPrompts: isQuick).Run(data, new ConsoleProgress());
                Print(report);
                if (parseResult.GetValue(json) is { } jsonPath)
                {
                    File.WriteAllText(jsonPath, EnsembleEvaluationReportJson.Serialize(report));
                    AnsiConsole.MarkupLineInterpolated($"report: {jsonPath}");
                }

                if (parseResult.GetValue(writeManifest) is { } manifestOut)
                {
                    // Member folders are written relative to the new manifest's folder, as EnsemblePool.Load resolves them.
                    var outFolder = Path.GetDirectoryName(Path.GetFullPath(manifestOut))!;
                    var relocated = report.Manifest with
                    {
                        Members = [.. report.Manifest.Members.Select(m => Path.GetRelativePath(outFolder, Path.GetFullPath(Path.Combine(folder, m))))],
                        Main = Path.GetRelativePath(outFolder, Path.GetFullPath(Path.Combine(folder, report.Manifest.Main))),
                    };
                    relocated.Write(manifestOut);
                    AnsiConsole.MarkupLineInterpolated($"manifest: {manifestOut} (main {report.MainModel})");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or InvalidOperationException or UnauthorizedAccessException or TokenizerFormatException or OnnxRuntimeException or OnnxProviderUnavailableException)
            {
                Console.Error.WriteLine($"eval-ensemble: {e.Message}");
                return 1;
            }
            finally
            {
                foreach (var member in members)
                {
                    member.Dispose();
                }
            }
        });
        return command;
    }

    private static void Print(EnsembleEvaluationReport report)
    {
        var models = new Table().Title(Markup.Escape($"Each model alone: next-word accuracy of greedy continuation, {report.Prompts} test prompts (main: {report.MainModel})"))
            .AddColumns("model", "vocab", "dev acc.", "adapt w", "test acc.", "± s.e.", "perplexity/token", "bits/byte", "tokens/s");
        foreach (var (name, m) in report.Models)
        {
            models.AddRow(
                Markup.Escape(name),
                m.Vocabulary.ToString(CultureInfo.InvariantCulture),
                Percent(m.DevelopmentNextWordAccuracy),
                Number(m.AdaptiveWeight),
                Percent(m.NextWordAccuracy),
                Percent(m.StandardError),
                m.Perplexity.ToString("0.0", CultureInfo.InvariantCulture),
                Number(m.BitsPerByte),
                m.TokensPerSecond.ToString("0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Console.WriteTable(models);
        var modes = new Table().Title(Markup.Escape($"Ensemble modes in {report.MainModel}'s vocabulary, {report.Prompts} test prompts"))
            .AddColumns("mode", "next-word acc.", "± s.e.", "vs main +/-", "tokens/s", "ms/token after prompt", "fused steps", "relative matrices");
        foreach (var (name, m) in report.Modes)
        {
            modes.AddRow(
                Markup.Escape(name),
                Percent(m.NextWordAccuracy),
                Percent(m.StandardError),
                $"+{m.PromptsGainedOverMain}/-{m.PromptsLostToMain}",
                m.TokensPerSecond.ToString("0", CultureInfo.InvariantCulture),
                Number(m.MillisecondsPerTokenAfterPrompt),
                Percent(m.FusedStepShare),
                $"{m.RelativeMatrixBytes / 1024.0 / 1024.0:F2} MiB");
        }

        modes.Caption(Markup.Escape("vs main: prompts right where the main model alone was wrong / wrong where it was right; tokens/s = generated tokens / decoding wall time, each prompt's forward passes included"));
        AnsiConsole.Console.WriteTable(modes);
        var p = report.Perplexity;
        AnsiConsole.MarkupLineInterpolated(
            $"{p.MainModel} perplexity per token on {p.Positions} test positions ({p.Passages} passages): {p.WithoutFusion:F1} without fusion, {p.WithFusion:F1} with fusion ({p.Mode})");
        AnsiConsole.MarkupLineInterpolated(
            $"{report.DevelopmentPrompts} development prompts, {report.SkippedPrompts} prompts skipped (too long for a context), {report.AnchorCount} anchors, elapsed {report.Seconds:F0} s");
    }
}
