using Kcm.Core.Training;

namespace Kcm.Core.Tests.Training;

public sealed class TrainingPlanTests
{
    [Fact]
    public void For_FashionMnistSeed_KeepsTheShippedShapes()
    {
        var plan = TrainingPlan.For(784, 10, 9_600);

        Assert.Equal("mlp:784-64-10", plan.SmallModel.Architecture);
        Assert.Equal(2, plan.Judge.PoolSize);
        Assert.Equal(28, plan.Judge.ImageWidth);
        Assert.Equal(128, plan.Training.BatchSize);
        Assert.Equal(20, plan.Training.Epochs);
        Assert.Equal(2, plan.Training.Patience);
    }

    [Fact]
    public void For_SmallTabularSet_UsesSmallBatchesMoreEpochsAndNoPooling()
    {
        var plan = TrainingPlan.For(16, 26, 600);

        Assert.Equal("mlp:16-64-26", plan.SmallModel.Architecture);
        Assert.Equal(1, plan.Judge.PoolSize);
        Assert.Equal(16, plan.Training.BatchSize);
        Assert.Equal(40, plan.Training.Epochs);
        Assert.Equal(5, plan.Training.Patience);
        Assert.Equal(5, TrainingPlan.For(16, 26, 600, epochs: 5).Training.Epochs);
    }

    [Fact]
    public void JudgeArchitecture_EightByEightImages_AreNotPooled()
    {
        Assert.Equal(1, TrainingPlan.JudgeArchitecture(64, 10).PoolSize);
    }
}
