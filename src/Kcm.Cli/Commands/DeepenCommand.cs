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

/// <summary>`kcm deepen`: DeePEn next-token accuracy of the shipped State of the Union models on held-out addresses; prints a table, optionally writes JSON.</summary>
internal static class DeepenCommand
{
    private const string ModelPattern = "sotu-*";

    public static Command Create()
    {
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var models = new Option<string?>("--models") { Description = "Folder holding the model folders (sotu-*). Default: models/ under the repository." };
        var corpus = new Option<string?>("--corpus") { Description = $"The State of the Union JSON files. Default: {SotuCorpus.RelativeFolder} (./kcm setup)." };
        var positions = new Option<int?>("--positions") { Description = "Test positions (main-model tokens) to score. Default 2000." };
        var devPositions = new Option<int?>("--dev-positions") { Description = "Development positions (main model and DeePEn-Adapt weights). Default 500." };
        var sparseAnchors = new Option<int?>("--sparse-anchors") { Description = "m: anchors kept per row of the sparse relative matrices (mode sparse). Default 32." };
        var topTokens = new Option<int?>("--top-tokens") { Description = "k: most probable tokens projected per model (mode sparse). Default 256." };
        var noExactRows = new Option<bool>("--no-exact-rows") { Description = "Mode sparse searches with the sparse rows alone, not the exact rows of the main model's leading tokens." };
        var gate = new Option<float?>("--gate") { Description = "Mode gated fuses only when the main model's top probability is below this. Default 0.5." };
        var quick = new Option<bool>("--quick") { Description = "A small, fast configuration (80 test positions)." };
        var command = new Command("deepen", "DeePEn on held-out State of the Union addresses: next-token accuracy of each model and of DeePEn-Avg/-Adapt in the main model's vocabulary.")
        {
            json, models, corpus, positions, devPositions, sparseAnchors, topTokens, noExactRows, gate, quick,
        };
        command.SetAction(parseResult =>
        {
            var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
            var options = parseResult.GetValue(quick) ? DeePEnEvaluationOptions.Quick : new DeePEnEvaluationOptions();
            options = options with
            {
                TestPositions = parseResult.GetValue(positions) ?? options.TestPositions,
                DevelopmentPositions = parseResult.GetValue(devPositions) ?? options.DevelopmentPositions,
                SparseAnchorsPerRow = parseResult.GetValue(sparseAnchors) ?? options.SparseAnchorsPerRow,
                ProjectionTopTokens = parseResult.GetValue(topTokens) ?? options.ProjectionTopTokens,
                GateThreshold = parseResult.GetValue(gate) ?? options.GateThreshold,
                ExactCandidateRows = !parseResult.GetValue(noExactRows),
            };
            var modelsFolder = parseResult.GetValue(models) ?? Path.Combine(home, "models");
            var folders = Directory.Exists(modelsFolder) ? Directory.GetDirectories(modelsFolder, ModelPattern).Order(StringComparer.Ordinal).ToArray() : [];
            if (folders.Length < 2)
            {
                Console.Error.WriteLine($"deepen: need at least two model folders {ModelPattern} in {modelsFolder} (found {folders.Length}).");
                return 2;
            }

            var members = new List<EnsembleMember>();
            try
            {
                options.Validate();
                members.AddRange(EnsembleMember.LoadAll(folders, new OnnxSessionOptions { IntraOpThreads = 1 }));

                var data = SotuCorpus.Load(parseResult.GetValue(corpus) ?? SotuCorpus.DefaultFolder(home));
                var report = new DeePEnEvaluation(members, options).Run(data, new ConsoleProgress());
                Print(report);
                if (parseResult.GetValue(json) is { } jsonPath)
                {
                    File.WriteAllText(jsonPath, DeePEnReportJson.Serialize(report));
                    AnsiConsole.MarkupLineInterpolated($"report: {jsonPath}");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException or TokenizerFormatException or OnnxRuntimeException or OnnxProviderUnavailableException)
            {
                Console.Error.WriteLine($"deepen: {e.Message}");
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

    private static void Print(DeePEnReport report)
    {
        var models = new Table().Title(Markup.Escape($"Single models (main: {report.MainModel}; bpb = bits per byte, acc. = next-token accuracy)"))
            .AddColumns("model", "vocab", "dev bpb", "test bpb", "own acc.", "dev acc.*", "test acc.*", "adapt w");
        foreach (var m in report.Models)
        {
            models.AddRow(
                Markup.Escape(m.Name),
                m.Vocabulary.ToString(CultureInfo.InvariantCulture),
                Number(m.DevelopmentBitsPerByte),
                Number(m.TestBitsPerByte),
                Percent(m.TestOwnAccuracy),
                Percent(m.DevelopmentAccuracy),
                Percent(m.TestAccuracy),
                Number(m.AdaptiveWeight));
        }

        models.Caption("* in the main model's vocabulary (an assistant alone: its distribution mapped through the anchors)");
        AnsiConsole.Console.WriteTable(models);
        var modes = new Table().Title(Markup.Escape($"Next-token accuracy in {report.MainModel}'s vocabulary, {report.TestPositions} test positions ({report.TestPassages} passages)"))
            .AddColumns("mode", "accuracy", "changed vs main", "same as avg", "fused steps", "fusion ms/step", "tokens/s", "relative matrices");
        foreach (var (name, figures) in report.Modes)
        {
            modes.AddRow(
                Markup.Escape(name),
                Percent(figures.Accuracy),
                Percent(figures.ChangedShare),
                Percent(figures.AgreementWithAverage),
                Percent(figures.FusedStepShare),
                Number(figures.MillisecondsPerStep),
                figures.TokensPerSecond.ToString("0", CultureInfo.InvariantCulture),
                $"{figures.RelativeMatrixBytes / 1024.0 / 1024.0:F2} MiB");
        }

        modes.Caption(Markup.Escape($"sparse: top-{report.Options.SparseAnchorsPerRow} anchors per row, top-{report.Options.ProjectionTopTokens} tokens projected{(report.Options.ExactCandidateRows ? ", exact rows for the main model's leading tokens" : ", sparse rows only")}; gated: fuses when the main model's top probability < {report.Options.GateThreshold}; tokens/s from measured main-model, assistant-sync and fusion times"));

        AnsiConsole.Console.WriteTable(modes);
        AnsiConsole.MarkupLineInterpolated(
            $"anchors {report.AnchorCount}, relative matrices {report.RelativeMatrixBytes / 1024.0 / 1024.0:F1} MiB, decoding {report.MillisecondsPerPositionDecoding:F2} ms/position, skipped passages {report.SkippedPassages}, elapsed {report.Seconds:F0} s");
    }
}
