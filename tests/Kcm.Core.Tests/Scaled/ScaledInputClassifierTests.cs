using Kcm.Core.Data;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Scaled;
using Kcm.Core.Training;
using Kcm.Core.Weights;

namespace Kcm.Core.Tests.Scaled;

/// <summary>A KAN or MLP behind a fixed min-max input scaling: runs, trains and is stored as the inner model on scaled rows.</summary>
public sealed class ScaledInputClassifierTests
{
    private const int Features = 6;
    private const int Classes = 3;

    [Fact]
    public void Logits_AreTheInnerModelsOnTheScaledRows()
    {
        var raw = RawRows(40, seed: 1);
        var scaling = FeatureScaling.Fit(raw);
        var inner = MlpClassifier.CreateRandom(new MlpNetwork(Features, 8, Classes), 3);
        var scaled = ScaledInputClassifier.Wrap(inner, scaling);

        var expected = new float[raw.Count * Classes];
        inner.Logits(scaling.Apply(raw).Features, raw.Count, expected);
        var actual = new float[raw.Count * Classes];
        scaled.Logits(raw.Features, raw.Count, actual);

        Assert.False(scaling.IsIdentity);
        Assert.Equal(expected, actual);
        Assert.Equal("scaled+" + inner.Architecture, scaled.Architecture);
    }

    [Fact]
    public void TrainingOnRawRows_EqualsTrainingTheInnerModelOnScaledRows()
    {
        var raw = RawRows(200, seed: 2);
        var scaling = FeatureScaling.Fit(raw);
        var start = MlpClassifier.CreateRandom(new MlpNetwork(Features, 8, Classes), 5);
        var trainer = new ClassifierTrainer(new TrainingOptions { Epochs = 40, BatchSize = 16, Seed = 9, Threads = 1, ValidationFraction = 0 });

        var throughWrapper = trainer.Train(ScaledInputClassifier.Wrap(start, scaling), raw).Classifier;
        var direct = trainer.Train(start, scaling.Apply(raw)).Classifier;

        Assert.Equal(direct.Parameters.ToArray(), throughWrapper.Parameters.ToArray());
        Assert.NotEqual(start.Parameters.ToArray(), direct.Parameters.ToArray());
        // The rows are separable: trained on them through the scaling, the model learns them.
        Assert.True(throughWrapper.Accuracy(raw, 1) > 0.85, $"accuracy {throughWrapper.Accuracy(raw, 1)}");
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("kan")]
    public void StoredAndLoaded_GivesTheSameLogits_AndKeepsTheScaling(string kind)
    {
        var raw = RawRows(30, seed: 3);
        var scaling = FeatureScaling.Fit(raw);
        ITrainableClassifier inner = kind == "mlp"
            ? MlpClassifier.CreateRandom(new MlpNetwork(Features, 8, Classes), 4)
            : KanClassifier.CreateRandom(new KanNetwork(new KanArchitecture { InputSize = Features, ImageWidth = Features, PoolSize = 1, HiddenSize = 4, ClassCount = Classes }), 4);
        var scaled = ScaledInputClassifier.Wrap(inner, scaling);

        var loaded = ClassifierWeights.Decode(ClassifierWeights.Encode(scaled, "test", DateTimeOffset.UnixEpoch)).Classifier;

        var restored = Assert.IsType<ScaledInputClassifier>(loaded);
        Assert.Equal(scaled.Architecture, restored.Architecture);
        Assert.Equal(scaling.Minimum.ToArray(), restored.Network.Scaling.Minimum.ToArray());
        Assert.Equal(scaling.Scale.ToArray(), restored.Network.Scaling.Scale.ToArray());
        var expected = new float[raw.Count * Classes];
        var actual = new float[raw.Count * Classes];
        scaled.Logits(raw.Features, raw.Count, expected);
        restored.Logits(raw.Features, raw.Count, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void AStoredScaledModel_WithoutItsScaling_IsRefused()
    {
        var inner = MlpClassifier.CreateRandom(new MlpNetwork(Features, 8, Classes), 4);
        var tensors = inner.ExportTensors();

        var error = Assert.Throws<ArgumentException>(() => ClassifierTensors.Restore("scaled+" + inner.Architecture, tensors));

        Assert.Contains(ScaledInputNetwork.MinimumTensor, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AScalingOfTheWrongWidth_IsRefused()
    {
        var inner = MlpClassifier.CreateRandom(new MlpNetwork(Features, 8, Classes), 4);

        Assert.Throws<ArgumentException>(() => ScaledInputClassifier.Wrap(inner, FeatureScaling.Create(new float[Features + 1], new float[Features + 1])));
    }

    /// <summary>Rows whose class is the index of the largest of the first three features, on ranges far from 0..1.</summary>
    private static Dataset RawRows(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * Features];
        var labels = new int[count];
        for (var r = 0; r < count; r++)
        {
            for (var f = 0; f < Features; f++)
            {
                features[(r * Features) + f] = (float)(random.NextDouble() * 100.0) - (f * 20f);
            }

            var row = features.AsSpan(r * Features, Classes);
            labels[r] = row.IndexOf(Max(row));
        }

        return new Dataset(features, labels, Features, Classes);
    }

    private static float Max(ReadOnlySpan<float> values)
    {
        var max = values[0];
        foreach (var value in values)
        {
            max = Math.Max(max, value);
        }

        return max;
    }
}
