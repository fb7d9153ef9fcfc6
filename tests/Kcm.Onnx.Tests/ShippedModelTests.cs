using System.Security.Cryptography;
using System.Text.Json;
using Kcm.Core.Data;
using Kcm.Testing;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx.Tests;

/// <summary>The shipped large model (models/fashion-cnn.onnx) against its card and the reference logits exported with it.</summary>
public sealed class ShippedModelTests
{
    private static readonly string ModelPath = RepositoryRoot.Combine("models", "fashion-cnn.onnx");
    private static readonly string CardPath = RepositoryRoot.Combine("models", "fashion-cnn.card.json");
    private static readonly string ReferencePath = RepositoryRoot.Combine("models", "fashion-cnn.reference.json");

    [Fact]
    public void Card_Sha256_MatchesTheModelFile()
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(CardPath));

        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ModelPath)));

        Assert.Equal(card.RootElement.GetProperty("onnx_sha256").GetString(), actual);
    }

    [Fact]
    public void Metadata_MatchesTheCardsInputAndOutput()
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(CardPath));
        using var session = Fixtures.Load(ModelPath);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);

        AssertMatches(card.RootElement.GetProperty("input"), runner.InputNames[0], session.InputMetadata[runner.InputNames[0]]);
        AssertMatches(card.RootElement.GetProperty("output"), runner.OutputName, session.OutputMetadata[runner.OutputName]);
    }

    [Fact]
    public void Run_FirstTestImages_MatchTheReferenceLogits()
    {
        using var reference = JsonDocument.Parse(File.ReadAllBytes(ReferencePath));
        var rows = reference.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var test = FashionMnist.LoadTest();
        using var session = Fixtures.Load(ModelPath);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        var count = rows.Length;
        var logits = new float[count * runner.SampleOutputLength];

        runner.Run(test.Features.AsSpan(0, count * test.FeatureCount), count, logits);

        var maxDiff = 0f;
        for (var n = 0; n < count; n++)
        {
            for (var c = 0; c < rows[n].Length; c++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(rows[n][c] - logits[(n * runner.SampleOutputLength) + c]));
            }
        }

        Assert.Equal(64, count);
        Assert.True(maxDiff <= 1e-4f, $"max |logit difference| {maxDiff} exceeds 1e-4");
    }

    [Fact]
    public void Run_WholeTestSet_ReproducesTheCardsAccuracy()
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(CardPath));
        var test = FashionMnist.LoadTest();
        using var session = Fixtures.Load(ModelPath);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        const int Batch = 500;
        var classes = runner.SampleOutputLength;
        var logits = new float[Batch * classes];
        var correct = 0;
        for (var start = 0; start < test.Count; start += Batch)
        {
            var batch = Math.Min(Batch, test.Count - start);
            runner.Run(test.Features.AsSpan(start * test.FeatureCount, batch * test.FeatureCount), batch, logits.AsSpan(0, batch * classes));
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

        // Images whose two top logits are closer than the card's near-tie margin may rank differently in another runtime.
        var expected = card.RootElement.GetProperty("test_correct").GetInt32();
        var nearTies = card.RootElement.TryGetProperty("test_near_ties", out var ties) ? ties.GetInt32() : 0;
        Assert.InRange(correct, expected - nearTies, expected + nearTies);
        Assert.Equal(card.RootElement.GetProperty("test_accuracy").GetDouble(), (double)expected / test.Count, 6);
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
