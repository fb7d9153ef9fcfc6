using System.Security.Cryptography;
using System.Text.Json;
using Kcm.Core.Data;
using Kcm.Testing;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx.Tests;

/// <summary>
/// The hint-reading large model (models/fashion-hint-cnn.onnx, tools/train_fashion_hint_cnn.py: inputs image and
/// small_probs) against its card and the reference logits exported with it, with the card's small-model hints and
/// with no hint (0.1 in every entry).
/// </summary>
public sealed class ShippedHintModelTests
{
    private const string HintInput = "small_probs";
    private static readonly string ModelPath = RepositoryRoot.Combine("models", "fashion-hint-cnn.onnx");
    private static readonly string CardPath = RepositoryRoot.Combine("models", "fashion-hint-cnn.card.json");
    private static readonly string ReferencePath = RepositoryRoot.Combine("models", "fashion-hint-cnn.reference.json");

    [Fact]
    public void Card_Sha256_MatchesTheModelFile()
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(CardPath));

        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ModelPath)));

        Assert.Equal(card.RootElement.GetProperty("onnx_sha256").GetString(), actual);
    }

    [Fact]
    public void Metadata_MatchesTheCardsInputsAndOutput()
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(CardPath));
        using var session = Fixtures.Load(ModelPath);
        var inputs = card.RootElement.GetProperty("inputs").EnumerateArray().ToArray();

        Assert.Equal(inputs.Select(i => i.GetProperty("name").GetString()), session.InputNames);
        Assert.Contains(HintInput, session.InputNames);
        foreach (var input in inputs)
        {
            var name = input.GetProperty("name").GetString()!;
            AssertMatches(input, name, session.InputMetadata[name]);
        }

        var output = card.RootElement.GetProperty("output");
        Assert.Single(session.OutputNames);
        AssertMatches(output, session.OutputNames[0], session.OutputMetadata[session.OutputNames[0]]);
    }

    [Fact]
    public void Run_FirstTestImages_MatchTheReferenceLogits_WithAndWithoutTheHint()
    {
        using var reference = JsonDocument.Parse(File.ReadAllBytes(ReferencePath));
        var hints = Rows(reference.RootElement.GetProperty("small_probs"));
        var expectedWith = Rows(reference.RootElement.GetProperty("logits"));
        var expectedWithout = Rows(reference.RootElement.GetProperty("logits_without_hint"));
        var labels = reference.RootElement.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var test = FashionMnist.LoadTest();
        using var runner = HintRunner();
        var count = hints.Length;
        var classes = runner.SampleOutputLength;
        var features = test.Features.AsSpan(0, count * test.FeatureCount);
        var with = new float[count * classes];
        var without = new float[count * classes];
        var uniform = new float[count * classes];
        Array.Fill(uniform, 1f / classes);

        runner.Run(features, hints.SelectMany(r => r).ToArray(), count, with);
        runner.Run(features, uniform, count, without);

        Assert.Equal(64, count);
        Assert.Equal(test.Labels.Take(count), labels);
        var withDiff = MaxDifference(expectedWith, with, classes);
        var withoutDiff = MaxDifference(expectedWithout, without, classes);
        Assert.True(withDiff <= 1e-4f, $"with the hint: max |logit difference| {withDiff} exceeds 1e-4");
        Assert.True(withoutDiff <= 1e-4f, $"without the hint: max |logit difference| {withoutDiff} exceeds 1e-4");

        // The hint must matter: the two references differ, and the run reproduces that difference.
        Assert.True(MaxDifference(expectedWith, without, classes) > 1e-2f, "the hint changes no logit of the 64 reference images");
    }

    [Fact]
    public void Run_WholeTestSetWithoutHint_ReproducesTheCardsAccuracy()
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(CardPath));
        var test = FashionMnist.LoadTest();
        using var runner = HintRunner();
        const int Batch = 500;
        var classes = runner.SampleOutputLength;
        var logits = new float[Batch * classes];
        var uniform = new float[Batch * classes];
        Array.Fill(uniform, 1f / classes);
        var correct = 0;
        for (var start = 0; start < test.Count; start += Batch)
        {
            var batch = Math.Min(Batch, test.Count - start);
            runner.Run(
                test.Features.AsSpan(start * test.FeatureCount, batch * test.FeatureCount),
                uniform.AsSpan(0, batch * classes),
                batch,
                logits.AsSpan(0, batch * classes));
            for (var n = 0; n < batch; n++)
            {
                var row = logits.AsSpan(n * classes, classes);
                var best = 0;
                for (var c = 1; c < classes; c++)
                {
                    best = row[c] > row[best] ? c : best;
                }

                correct += best == test.Labels[start + n] ? 1 : 0;
            }
        }

        // The card records no near ties for this model: allow two images whose top logits another runtime may rank differently.
        var expected = (int)Math.Round(card.RootElement.GetProperty("test_accuracy_without_hint").GetDouble() * test.Count);
        Assert.InRange(correct, expected - 2, expected + 2);
    }

    private static OnnxBatchRunner HintRunner()
    {
        var session = Fixtures.Load(ModelPath);
        var features = session.InputNames.Single(n => n != HintInput);
        return new OnnxBatchRunner(session, [features, HintInput], session.OutputNames[0], ownsSession: true);
    }

    private static float[][] Rows(JsonElement rows) =>
        rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

    private static float MaxDifference(float[][] expected, float[] actual, int classes)
    {
        var maxDiff = 0f;
        for (var n = 0; n < expected.Length; n++)
        {
            Assert.Equal(classes, expected[n].Length);
            for (var c = 0; c < classes; c++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(expected[n][c] - actual[(n * classes) + c]));
            }
        }

        return maxDiff;
    }

    private static void AssertMatches(JsonElement declared, string name, NodeMetadata actual)
    {
        Assert.Equal(declared.GetProperty("name").GetString(), name);
        var shape = declared.GetProperty("shape").EnumerateArray().ToArray();
        Assert.Equal(shape.Length, actual.Dimensions.Length);
        for (var d = 0; d < shape.Length; d++)
        {
            if (shape[d].ValueKind == JsonValueKind.String)
            {
                Assert.Equal(-1, actual.Dimensions[d]);
                Assert.Equal(shape[d].GetString(), actual.SymbolicDimensions[d]);
            }
            else
            {
                Assert.Equal(shape[d].GetInt64(), actual.Dimensions[d]);
            }
        }
    }
}
