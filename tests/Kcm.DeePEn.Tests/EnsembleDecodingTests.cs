using System.Text.Json;
using Kcm.DeePEn.Fusion;
using Kcm.DeePEn.Models;

namespace Kcm.DeePEn.Tests;

/// <summary>DeePEn steps over real ONNX forward passes of the tiny random-weight model (not a trained language model).</summary>
public sealed class EnsembleDecodingTests
{
    private static readonly int[] Anchors = [.. Enumerable.Range(0, 96).Where(id => id % 2 == 0)];

    private static RelativeRepresentation TinyRelative { get; } = RelativeRepresentation.Build(
        EmbeddingMatrix.ReadSafetensors(DeePEnFixtures.TinyEmbeddings, "model.embed_tokens.weight"), Anchors);

    [Fact]
    public void Decode_TwoCopiesOfOneModel_FuseToTheSingleModelsGreedyTokens()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        using var reference = JsonDocument.Parse(File.ReadAllBytes(DeePEnFixtures.TinyReference));
        long[] prompt = [.. reference.RootElement.GetProperty("prompt").EnumerateArray().Select(e => e.GetInt64())];
        int[] expected = [.. reference.RootElement.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32())];
        var fusion = new DeePEnFusion([TinyRelative, TinyRelative], FusionWeights.Average(2), mainModel: 0);
        var first = model.CreateCache();
        var second = model.CreateCache();
        var logitsA = model.NextTokenLogits(prompt, first);
        var logitsB = model.NextTokenLogits(prompt, second);

        var tokens = new List<int>();
        for (var step = 0; step < expected.Length; step++)
        {
            fusion.Reset();
            fusion.AddLogits(0, logitsA);
            fusion.AddLogits(1, logitsB);
            var token = fusion.Search(logitsA);
            tokens.Add(token);
            logitsA = model.NextTokenLogits([token], first);
            logitsB = model.NextTokenLogits([token], second);
        }

        Assert.Equal(expected, tokens);
    }

    [Fact]
    public void Search_MainModelPulledTowardAnotherContext_LowersTheKlAtEveryStepOfEveryToken()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        var fusion = new DeePEnFusion([TinyRelative, TinyRelative], FusionWeights.Average(2), mainModel: 0);
        var main = model.CreateCache();
        var assistant = model.CreateCache();
        // The assistant reads a different context, so its next-token distributions differ from the main model's.
        var mainLogits = model.NextTokenLogits([5, 17, 42, 8], main);
        var assistantLogits = model.NextTokenLogits([70, 2, 93, 31, 44], assistant);
        for (var step = 0; step < 6; step++)
        {
            fusion.Reset();
            fusion.AddLogits(0, mainLogits);
            fusion.AddLogits(1, assistantLogits);
            var token = fusion.Search(mainLogits);
            var losses = fusion.Losses.ToArray();
            Assert.True(losses[0] > 1e-4, $"step {step}: the contexts should disagree (KL {losses[0]})");
            for (var t = 1; t < losses.Length; t++)
            {
                Assert.True(losses[t] < losses[t - 1], $"token {step}, step {t}: {string.Join(", ", losses)}");
            }

            mainLogits = model.NextTokenLogits([token], main);
            assistantLogits = model.NextTokenLogits([token], assistant);
        }
    }
}
