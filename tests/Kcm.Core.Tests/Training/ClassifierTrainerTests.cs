using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Core.Tests.Training;

public class ClassifierTrainerTests
{
    [Fact]
    public void Train_SameSeedAndThreads_GivesBitIdenticalWeights()
    {
        var data = FashionMnistSubsets.Train.Slice(0, 1_000);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 50, Seed = 11, Threads = 2, ValidationFraction = 0.1 };
        var start = MlpClassifier.CreateRandom(new MlpNetwork(784, 16, 10), seed: 1);

        var first = new ClassifierTrainer(options).Train(start, data);
        var second = new ClassifierTrainer(options).Train(start, data);
        var otherSeed = new ClassifierTrainer(options with { Seed = 12 }).Train(start, data);

        Assert.Equal(first.Classifier.Parameters.ToArray(), second.Classifier.Parameters.ToArray());
        Assert.NotEqual(first.Classifier.Parameters.ToArray(), otherSeed.Classifier.Parameters.ToArray());
        Assert.NotEqual(start.Parameters.ToArray(), first.Classifier.Parameters.ToArray());
    }

    [Fact]
    public void Train_QuickKanJudgeOnFashionMnist_ReachesSeventyFivePercentTestAccuracy()
    {
        // Quick configuration: 6,000 training images, 2 epochs, default judge (784 -> pool 2 -> 196-32-10).
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.005f, Seed = 1, Threads = 2 };
        var start = KanClassifier.CreateRandom(KanNetwork.DefaultJudge, seed: 1);

        var result = new ClassifierTrainer(options).Train(start, FashionMnistSubsets.Train.Slice(0, 6_000));
        var accuracy = result.Classifier.Accuracy(FashionMnistSubsets.Test.Slice(0, 2_000), threads: 2);

        Assert.True(accuracy >= 0.75, $"KAN judge test accuracy {accuracy:P1} is below 75%.");
        Assert.Equal(2, result.Epochs.Count);
        Assert.True(result.Epochs[1].TrainingLoss < result.Epochs[0].TrainingLoss);
    }

    [Fact]
    public void Train_QuickSmallModelOnFashionMnist_ReachesSeventyFivePercentTestAccuracy()
    {
        // Quick configuration: 6,000 training images, 2 epochs, default small model 784-64-10.
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, Seed = 1, Threads = 2 };
        var start = MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, seed: 1);

        var result = new ClassifierTrainer(options).Train(start, FashionMnistSubsets.Train.Slice(0, 6_000));
        var accuracy = result.Classifier.Accuracy(FashionMnistSubsets.Test.Slice(0, 2_000), threads: 2);

        Assert.True(accuracy >= 0.75, $"Small model test accuracy {accuracy:P1} is below 75%.");
    }

    [Fact]
    public void Train_ValidationStopsImproving_StopsEarlyAndKeepsBestEpoch()
    {
        // A tiny training set overfits quickly, so validation accuracy stalls long before 40 epochs.
        var options = new TrainingOptions { Epochs = 40, BatchSize = 20, LearningRate = 0.01f, Seed = 3, Threads = 1, Patience = 2 };
        var start = MlpClassifier.CreateRandom(new MlpNetwork(784, 32, 10), seed: 2);
        var validation = FashionMnistSubsets.Test.Slice(0, 500);

        var result = new ClassifierTrainer(options).Train(start, FashionMnistSubsets.Train.Slice(0, 200), validation);

        Assert.True(result.StoppedEarly);
        Assert.True(result.Epochs.Count < 40);
        Assert.Equal(result.Epochs.Max(e => e.ValidationAccuracy), result.BestValidationAccuracy);
        Assert.Equal(result.BestValidationAccuracy!.Value, result.Classifier.Accuracy(validation), 10);
    }

    [Fact]
    public void Validate_SeveralBadFields_NamesEachOfThem()
    {
        var options = new TrainingOptions { Epochs = 0, LearningRate = -1f, ValidationFraction = 1.5 };

        var error = Assert.Throws<ArgumentException>(() => new ClassifierTrainer(options));

        Assert.Contains(nameof(TrainingOptions.Epochs), error.Message);
        Assert.Contains(nameof(TrainingOptions.LearningRate), error.Message);
        Assert.Contains(nameof(TrainingOptions.ValidationFraction), error.Message);
    }
}
