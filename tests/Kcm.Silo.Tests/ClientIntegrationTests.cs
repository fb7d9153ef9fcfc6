using Kcm.Client;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

public sealed class ClientIntegrationTests
{
    [Theory]
    [InlineData(InferEncoding.Binary)]
    [InlineData(InferEncoding.Json)]
    public async Task KcmClient_AgainstRealSilo_InfersAdministersAndRaisesProblems(InferEncoding encoding)
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:MaxBatchSize"] = "8" });
        using var client = new KcmClient(silo.Host.Addresses[0], new KcmClientOptions
        {
            Encoding = encoding, AdminToken = TestSilo.AdminToken, MaxBatchSize = 8, MaxRetries = 0,
        });
        var inputs = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? TestModels.Confident() : TestModels.Doubtful(hot: 1 + (i % 7))).ToArray();

        var results = await client.InferManyAsync(inputs);
        var threshold = await client.SetThresholdAsync(0.5);
        var round = await client.DistillAsync();
        var model = await client.GetModelAsync();
        var distillation = await client.GetDistillationAsync();
        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.InferAsync([new float[3]]));

        Assert.Equal(20, results.Length);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? InferenceRoute.Small : InferenceRoute.Large, results[i].Route);
            Assert.Equal(i % 2 == 0 ? 1 : 2 + (i % 7), results[i].Label);
        }

        Assert.Equal(0.98, threshold.PreviousThreshold, 10);
        Assert.True(round.Promoted);
        Assert.Equal(10, round.SampleCount);
        Assert.Equal(2, model.SmallModel.CurrentVersion);
        Assert.Equal(new DistillationInfo(TestSilo.Model, 1, 0, 0, 0, 10, 10), distillation);
        Assert.Equal(0.5, model.Threshold, 10);
        Assert.Equal(ProblemCodes.WrongFeatureCount, problem.Code);
        Assert.False(problem.Retriable);
    }
}
