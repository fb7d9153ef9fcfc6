using System.Security.Cryptography;
using System.Text.Json;
using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Testing;

namespace Kcm.Evaluation.Tests;

/// <summary>
/// The large models of the extra data sets (tools/train_tabular_large.py) against their cards: same bytes, the C# hold-out
/// rule picks the same test rows as the tool (same count), and ONNX Runtime reproduces the card's accuracy on them.
/// </summary>
public sealed class ShippedTabularModelsTests
{
    [Theory]
    [InlineData("digits-mlp", "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz", "-1")]
    [InlineData("letters-mlp", "/usr/lib/R/site-library/mlbench/data/LetterRecognition.rda", null)]
    public void Model_MatchesItsCard_OnTheRowsHeldOutByTheSameRule(string name, string dataPath, string? labelColumn)
    {
        using var card = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("models", name + ".card.json")));
        var root = card.RootElement;
        var onnxPath = RepositoryRoot.Combine("models", name + ".onnx");
        Assert.Equal(root.GetProperty("onnx_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(onnxPath))));

        var (_, test) = DatasetSplit.HoldOut(DatasetFiles.Load(dataPath, null, labelColumn), 0.2);
        using var model = OnnxClassifier.Load(onnxPath);

        Assert.Equal(root.GetProperty("dataset").GetProperty("test_count").GetInt32(), test.Count);
        var correct = (int)Math.Round(model.Accuracy(test) * test.Count);
        Assert.InRange(correct, root.GetProperty("test_correct").GetInt32() - 1, root.GetProperty("test_correct").GetInt32() + 1);
    }
}
