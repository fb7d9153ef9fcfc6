using System.Text.Json;
using Kcm.Cli.Commands;
using Kcm.DeePEn.Ensemble;
using Kcm.Testing;

namespace Kcm.Cli.Tests;

/// <summary>`kcm eval-ensemble --quick` end to end on the committed State of the Union models and real ONNX Runtime.</summary>
public sealed class EvalEnsembleCommandTests : IDisposable
{
    private static readonly string[] ModelNames = ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"];
    private static readonly string[] ModeNames = ["main", "avg", "adapt", "sparse", "gated"];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-eval-ensemble-test-" + Guid.NewGuid().ToString("N"));

    public EvalEnsembleCommandTests()
    {
        Directory.CreateDirectory(_folder);

        // The command resolves models/ and the corpus under KCM_HOME, as ./kcm sets it.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KCM_HOME")))
        {
            Environment.SetEnvironmentVariable("KCM_HOME", RepositoryRoot.Path);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task QuickRun_WritesTheIssuesJsonKeysInRange_AndAManifestWithTheMeasuredMainModel()
    {
        var json = Path.Combine(_folder, "report.json");
        var manifestPath = Path.Combine(_folder, "ensemble.json");

        var exit = await EvalEnsembleCommand.Create().Parse(["--quick", "--json", json, "--write-manifest", manifestPath]).InvokeAsync();

        Assert.Equal(0, exit);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = report.RootElement;
        Assert.Equal(40, root.GetProperty("prompts").GetInt32());
        Assert.Equal(40, root.GetProperty("development_prompts").GetInt32());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        var main = root.GetProperty("main_model").GetString();
        Assert.Contains(main, ModelNames);

        var models = root.GetProperty("models");
        Assert.Equal(ModelNames, models.EnumerateObject().Select(p => p.Name));
        var weights = 0.0;
        foreach (var name in ModelNames)
        {
            var model = models.GetProperty(name);
            Assert.InRange(model.GetProperty("next_word_accuracy").GetDouble(), 0, 1);
            Assert.InRange(model.GetProperty("standard_error").GetDouble(), 0, 0.5);
            Assert.InRange(model.GetProperty("perplexity").GetDouble(), 1.0001, model.GetProperty("vocabulary").GetInt32() * 10.0);
            Assert.True(model.GetProperty("tokens_per_second").GetDouble() > 0);
            weights += model.GetProperty("adaptive_weight").GetDouble();
        }

        Assert.Equal(1.0, weights, 1e-5);
        var modes = root.GetProperty("modes");
        Assert.Equal(ModeNames, modes.EnumerateObject().Select(p => p.Name));
        foreach (var name in ModeNames)
        {
            var mode = modes.GetProperty(name);
            Assert.InRange(mode.GetProperty("next_word_accuracy").GetDouble(), 0, 1);
            Assert.InRange(mode.GetProperty("standard_error").GetDouble(), 0, 0.5);
            Assert.InRange(mode.GetProperty("fused_step_share").GetDouble(), 0, 1);
            Assert.True(mode.GetProperty("tokens_per_second").GetDouble() > 0, name);
            Assert.True(mode.GetProperty("generated_tokens").GetInt64() >= 40, name);
        }

        // Mode main is the main model decoding alone, so it scores exactly what that model scores alone.
        Assert.Equal(models.GetProperty(main!).GetProperty("next_word_accuracy").GetDouble(), modes.GetProperty("main").GetProperty("next_word_accuracy").GetDouble());
        Assert.Equal(0, modes.GetProperty("main").GetProperty("prompts_gained_over_main").GetInt32());
        Assert.Equal(0, modes.GetProperty("main").GetProperty("prompts_lost_to_main").GetInt32());
        foreach (var name in ModeNames)
        {
            // Paired counts on the same prompts: accuracy difference = (gained - lost) / prompts.
            var mode = modes.GetProperty(name);
            var difference = mode.GetProperty("next_word_accuracy").GetDouble() - modes.GetProperty("main").GetProperty("next_word_accuracy").GetDouble();
            Assert.Equal(difference * 40, mode.GetProperty("prompts_gained_over_main").GetInt32() - mode.GetProperty("prompts_lost_to_main").GetInt32(), 1e-9);
        }

        Assert.Equal(0, modes.GetProperty("main").GetProperty("fused_step_share").GetDouble());
        Assert.Equal(0, modes.GetProperty("main").GetProperty("relative_matrix_bytes").GetInt64());
        Assert.Equal(1, modes.GetProperty("avg").GetProperty("fused_step_share").GetDouble());
        var dense = modes.GetProperty("avg").GetProperty("relative_matrix_bytes").GetInt64();
        Assert.True(dense > 0);
        Assert.Equal(dense, modes.GetProperty("adapt").GetProperty("relative_matrix_bytes").GetInt64());
        Assert.InRange(modes.GetProperty("sparse").GetProperty("relative_matrix_bytes").GetInt64(), 1, dense - 1);

        var perplexity = root.GetProperty("perplexity");
        Assert.Equal(main, perplexity.GetProperty("main_model").GetString());
        Assert.Equal(200, perplexity.GetProperty("positions").GetInt32());
        Assert.True(perplexity.GetProperty("without_fusion").GetDouble() > 1);
        Assert.True(perplexity.GetProperty("with_fusion").GetDouble() > 1);

        var manifest = EnsembleManifest.Read(manifestPath);
        Assert.Equal(main, Path.GetFileName(manifest.Main));
        Assert.Equal(3, manifest.AdaptiveWeights!.Count);
        Assert.All(manifest.Members, m => Assert.True(File.Exists(Path.Combine(_folder, m, EnsembleMember.ModelFile)), m));
    }

    [Fact]
    public async Task FewerThan500Prompts_WithoutQuick_IsRefusedBeforeAnyWork()
    {
        var json = Path.Combine(_folder, "refused.json");

        var exit = await EvalEnsembleCommand.Create().Parse(["--prompts", "100", "--json", json]).InvokeAsync();

        Assert.Equal(2, exit);
        Assert.False(File.Exists(json));
    }
}
