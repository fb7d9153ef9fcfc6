using System.Text;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Weights;

namespace Kcm.Core.Tests.Weights;

public sealed class ClassifierWeightsTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 22, 21, 0, 0, TimeSpan.FromHours(2));

    [Fact]
    public void Decode_EncodedMlp_GivesTheSameLogitsAndMetadata()
    {
        var original = MlpClassifier.CreateRandom(new MlpNetwork(12, 5, 3), seed: 7);

        var stored = ClassifierWeights.Decode(ClassifierWeights.Encode(original, "4", Created));

        Assert.Equal(original.Architecture, stored.Architecture);
        Assert.Equal("4", stored.Version);
        Assert.Equal(Created, stored.Created);
        Assert.Equal(Logits(original), Logits(stored.Classifier));
    }

    [Fact]
    public void Load_SavedKanJudge_GivesTheSameLogits()
    {
        var network = new KanNetwork(new KanArchitecture { InputSize = 16, ImageWidth = 4, PoolSize = 2, HiddenSize = 3, ClassCount = 3 });
        var original = KanClassifier.CreateRandom(network, seed: 3);
        var path = Path.Combine(Path.GetTempPath(), $"kcm-kan-{Guid.NewGuid():N}.safetensors");
        try
        {
            ClassifierWeights.Save(original, path, "1", Created);

            var stored = ClassifierWeights.Load(path);

            Assert.IsType<KanClassifier>(stored.Classifier);
            Assert.Equal(Logits(original), Logits(stored.Classifier));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Decode_FlippedWeightByte_FailsWithChecksumError()
    {
        var bytes = ClassifierWeights.Encode(MlpClassifier.CreateRandom(new MlpNetwork(4, 2), 1), "1", Created);
        bytes[^1] ^= 0x80;

        var error = Assert.Throws<SafetensorsFormatException>(() => ClassifierWeights.Decode(bytes));

        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void Decode_TensorsOfAnotherArchitecture_FailsNamingTheArchitecture()
    {
        var small = MlpClassifier.CreateRandom(new MlpNetwork(4, 2), 1);
        var tensors = small.ExportTensors().Select(t => TensorData.FromFloat32(t.Key, t.Value.Shape, t.Value.Data)).ToList();
        var bytes = SafetensorsWriter.ToBytes(tensors, new Dictionary<string, string>
        {
            ["architecture"] = "mlp:5-2",
            ["version"] = "1",
            ["created"] = "2026-11-22T19:00:00.0000000Z",
        });

        var error = Assert.Throws<SafetensorsFormatException>(() => ClassifierWeights.Decode(bytes));

        Assert.Contains("mlp:5-2", error.Message);
    }

    [Fact]
    public void Decode_FileWithoutChecksum_IsRefused()
    {
        var error = Assert.Throws<SafetensorsFormatException>(() => ClassifierWeights.Decode(SafetensorsFixtures.PyTorchWritten()));

        Assert.Contains("no sha256", error.Message);
    }

    [Fact]
    public void Encode_Metadata_HoldsArchitectureVersionCreatedAndChecksum()
    {
        var bytes = ClassifierWeights.Encode(MlpClassifier.CreateRandom(new MlpNetwork(4, 2), 1), "9", Created);

        var header = SafetensorsFixtures.HeaderText(bytes);

        Assert.Contains("\"architecture\":\"mlp:4-2\"", header);
        Assert.Contains("\"version\":\"9\"", header);
        Assert.Contains("\"created\":\"2026-11-22T19:00:00.0000000+00:00\"", header);
        Assert.Contains("\"sha256\":\"", header);
        Assert.True(Encoding.UTF8.GetByteCount(header) > 0);
    }

    private static float[] Logits(IClassifier classifier)
    {
        var inputs = Enumerable.Range(0, classifier.InputSize * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var logits = new float[classifier.ClassCount * 3];
        classifier.Logits(inputs, 3, logits);
        return logits;
    }
}
