using System.Text.Json;
using Kcm.DeePEn.Models;
using Kcm.Onnx;

namespace Kcm.DeePEn.Tests;

public sealed class CausalLanguageModelTests
{
    private const float Tolerance = 1e-4f;

    private static TinyReference Reference { get; } = TinyReference.Read();

    [Fact]
    public void Load_TinyExport_DiscoversLayersHeadsAndVocabulary()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);

        Assert.Equal(1, model.Layers);
        Assert.Equal(2, model.Heads);
        Assert.Equal(16, model.HeadDimension);
        Assert.Equal(96, model.VocabularySize);
    }

    [Fact]
    public void Forward_WholePromptWithEmptyCache_MatchesPyTorchLogits()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        var cache = model.CreateCache();

        var logits = model.Forward(Reference.Prompt, cache);

        Assert.Equal(Reference.Prompt.Length, cache.Length);
        AssertClose(Reference.PromptLogits, logits);
    }

    [Fact]
    public void Forward_OneTokenAtATimeThroughTheCache_GivesTheFullSequenceLogits()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        var full = model.Forward(Reference.Prompt, model.CreateCache());
        var cache = model.CreateCache();

        for (var position = 0; position < Reference.Prompt.Length; position++)
        {
            var step = model.Forward(Reference.Prompt.AsSpan(position, 1), cache);
            Assert.Equal(position + 1, cache.Length);
            AssertClose(full.AsSpan(position * 96, 96).ToArray(), step);
        }
    }

    [Fact]
    public void GreedyDecoding_WithTheCache_MatchesPyTorchTokensAndStepLogitsAndFullRecomputation()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        var cache = model.CreateCache();
        var sequence = Reference.Prompt.ToList();
        var logits = model.NextTokenLogits(Reference.Prompt, cache);

        for (var step = 0; step < Reference.GreedyTokens.Length; step++)
        {
            AssertClose(Reference.GreedyStepLogits[step], logits);
            var recomputed = model.NextTokenLogits(sequence.ToArray(), model.CreateCache());
            AssertClose(recomputed, logits);
            var token = Array.IndexOf(logits, logits.Max());
            Assert.Equal(Reference.GreedyTokens[step], token);
            sequence.Add(token);
            logits = model.NextTokenLogits([token], cache);
        }

        Assert.Equal(Reference.Prompt.Length + Reference.GreedyTokens.Length, cache.Length);
    }

    [Fact]
    public void Truncate_RollsTheCacheBack_SoRerunningGivesTheSameLogits()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        var cache = model.CreateCache();
        model.Forward(Reference.Prompt.AsSpan(0, 5), cache);
        var expected = model.NextTokenLogits(Reference.Prompt.AsSpan(5, 3), cache);

        cache.Truncate(6);
        var again = model.NextTokenLogits(Reference.Prompt.AsSpan(6, 2), cache);

        Assert.Equal(8, cache.Length);
        AssertClose(expected, again);
        cache.Clear();
        Assert.Equal(0, cache.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Truncate(1));
    }

    [Fact]
    public void Construct_ModelWithoutACache_IsRefusedWithATypedError()
    {
        var notALanguageModel = Kcm.Testing.RepositoryRoot.Combine("tests", "Kcm.Onnx.Tests", "Fixtures", "linear_softmax.onnx");
        var error = Assert.Throws<OnnxTensorMismatchException>(() => CausalLanguageModel.Load(notALanguageModel, DeePEnFixtures.OnnxOptions));
        Assert.Equal("input_ids", error.TensorName);
    }

    [Fact]
    public void Forward_NoTokensOrAnotherModelsCache_Throws()
    {
        using var model = CausalLanguageModel.Load(DeePEnFixtures.TinyModel, DeePEnFixtures.OnnxOptions);
        Assert.Throws<ArgumentException>(() => model.Forward([], model.CreateCache()));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"index {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private sealed record TinyReference(long[] Prompt, float[] PromptLogits, int[] GreedyTokens, float[][] GreedyStepLogits)
    {
        public static TinyReference Read()
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(DeePEnFixtures.TinyReference));
            var root = json.RootElement;
            return new TinyReference(
                [.. root.GetProperty("prompt").EnumerateArray().Select(e => e.GetInt64())],
                [.. root.GetProperty("prompt_logits").EnumerateArray().SelectMany(row => row.EnumerateArray().Select(e => e.GetSingle()))],
                [.. root.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32())],
                [.. root.GetProperty("greedy_step_logits").EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetSingle()).ToArray())]);
        }
    }
}
