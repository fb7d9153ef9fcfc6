using System.Net;
using System.Net.Http.Json;
using Kcm.Abstractions.Classification;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.Silo.Tests;

/// <summary>
/// The embedded default end to end on one Orleans silo, in the quick shape (<see cref="QuickModels"/>): infer through the
/// judge grain, model info from the registry, a threshold published, a distillation round, readiness; and a silo told to
/// run the large model on CUDA where there is no GPU says so instead of serving.
/// </summary>
public sealed class EmbeddedPipelineTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ASiloConfiguredForTheEnsembleScore_PublishesItWithTheThreshold_AndTheModelSaysSo()
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:Calibration:Score"] = "Ensemble" });

        var model = await silo.GetModelAsync();
        var answer = await silo.InferOkAsync(FashionMnist.LoadTest().Slice(0, 8).Row(3).ToArray());

        Assert.Equal("ensemble", model.RoutingScore);
        // The mean of two probabilities of one class: never above 1, and above 0 for a class the small model answers.
        Assert.InRange(Assert.Single(answer.Results).JudgeConfidence, 1e-6, 1.0);
    }

    [Fact]
    public async Task EmbeddedSilo_ServesThroughItsGrains_ThresholdAndDistillationGoThroughTheRegistry()
    {
        var test = FashionMnist.LoadTest().Slice(0, 200);
        var rows = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();
        await using var silo = await TestSilo.StartAsync();

        using var ready = await silo.Http.GetAsync(KcmRoutes.Readyz);
        var answer = await silo.InferOkAsync(rows);
        var model = await silo.GetModelAsync();

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", await ready.Content.ReadAsStringAsync());
        Assert.Equal(test.Count, answer.Results.Length);
        Assert.Equal(0.98, answer.Threshold, 10);
        var large = answer.Results.Where(r => r.Route == InferenceRoute.Large).ToList();
        output.WriteLine($"small route {test.Count - large.Count}, large route {large.Count}");
        Assert.NotEmpty(large);
        Assert.All(large, r => Assert.Equal(HintOutcome.Used, r.Hint));
        Assert.All(answer.Results.Where(r => r.Route == InferenceRoute.Small), r => Assert.Null(r.Hint));
        Assert.All(answer.Results, r => Assert.Equal(1, r.SmallModelVersion));
        Assert.All(answer.Results, r => Assert.Null(r.Probabilities));
        Assert.Equal(QuickModels.HintInput, model.LargeModel.HintInput);
        Assert.Equal(QuickModels.LargeModelFile, model.LargeModel.Name);
        Assert.Equal(1, model.SmallModel.CurrentVersion);
        Assert.Equal("judge_max_softmax", model.RoutingScore);
        Assert.InRange(Assert.Single(model.SmallModel.Versions).CheckAccuracy, 0.6, 1.0);
        Assert.Equal(test.Count, model.Routing.RequestsSmall + model.Routing.RequestsLarge);
        Assert.Equal(large.Count, model.Routing.RequestsLarge);

        // A quick judge is rarely sure at 0.98; at 0.5 its confident samples should mostly be right.
        using (var lower = await silo.Http.SendAsync(silo.Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model),
            JsonContent.Create(new ThresholdRequest(0.5), KcmJsonContext.Default.ThresholdRequest))))
        {
            var changed = (await lower.Content.ReadFromJsonAsync(KcmJsonContext.Default.ThresholdResponse))!;
            Assert.Equal(0.5, changed.Threshold, 10);
            Assert.Equal(0.98, changed.PreviousThreshold, 10);
        }

        var routed = await InferAtThresholdAsync(silo, rows, 0.5);
        var confident = Enumerable.Range(0, rows.Length).Where(i => routed.Results[i].Route == InferenceRoute.Small).ToList();
        var accuracy = confident.Count(i => routed.Results[i].Label == test.Labels[i]) / (double)confident.Count;
        output.WriteLine($"at 0.5: small route {confident.Count}, accuracy {accuracy:P1}");
        Assert.True(confident.Count >= 20, $"only {confident.Count} samples reached the small model at epsilon 0.5");
        Assert.True(accuracy >= 0.8, $"small-route accuracy {accuracy:P1} on {confident.Count} samples");
        Assert.All(confident, i => Assert.True(routed.Results[i].JudgeConfidence >= 0.5));

        using var round = await silo.Http.SendAsync(silo.Admin(HttpMethod.Post, KcmRoutes.DistillPath(TestSilo.Model)));
        var body = await round.Content.ReadAsStringAsync();
        Assert.True(round.IsSuccessStatusCode, body);
        var outcome = System.Text.Json.JsonSerializer.Deserialize(body, KcmJsonContext.Default.DistillResponse)!;
        var distillation = (await silo.Http.GetFromJsonAsync(KcmRoutes.DistillationPath(TestSilo.Model), KcmJsonContext.Default.DistillationInfo))!;
        output.WriteLine($"distillation: promoted {outcome.Promoted}, {outcome.Detail}");
        Assert.Equal(large.Count + rows.Length - confident.Count, outcome.SampleCount); // every large-route answer became a record
        Assert.False(string.IsNullOrWhiteSpace(outcome.Detail));
        Assert.Equal(outcome.Promoted ? 2 : 1, outcome.CurrentVersion);
        Assert.Equal(outcome.SampleCount, distillation.TeacherRecordsConsumed);
        Assert.Equal(outcome.SampleCount, distillation.TeacherRecordsQueued);
        Assert.Equal(1, distillation.RoundsAccepted + distillation.RoundsRejected);
    }

    [Fact]
    public async Task EmbeddedSilo_ReturnProbabilities_GivesEachRowItsClassProbabilities()
    {
        var test = FashionMnist.LoadTest().Slice(0, 4);
        await using var silo = await TestSilo.StartAsync();

        using var response = await silo.Http.PostAsJsonAsync(KcmRoutes.InferPath(TestSilo.Model),
            new InferRequest([.. Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray())], ReturnProbabilities: true),
            KcmJsonContext.Default.InferRequest);
        var answer = (await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.InferResponse))!;

        Assert.All(answer.Results, r =>
        {
            Assert.Equal(10, r.Probabilities!.Length);
            Assert.Equal(1.0, r.Probabilities.Sum(), 3);
            Assert.Equal(r.Label, Array.IndexOf(r.Probabilities, r.Probabilities.Max()));
        });
    }

    [Fact]
    public async Task EmbeddedSilo_CudaWithoutGpu_FailsClearlyAndNeverBecomesReady()
    {
        var store = await TrainedStore.CopyAsync();
        var logs = new CapturedLogs();
        await using var silo = TestSilo.Create(store, logs, new Dictionary<string, string> { ["Kcm:Embedded:ExecutionProvider"] = "Cuda" });

        // The load can fail while the silo starts (the start throws) or after (waiting for readiness throws): both must
        // carry the provider's reason.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await silo.StartAsync();
            await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(1));
        });

        output.WriteLine(error.Message);
        Assert.Contains("CUDA", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.IsType<LargeModelUnavailableException>(error.InnerException);
        Assert.False(silo.State.IsReady);
        if (silo.Addresses.Count > 0)
        {
            using var http = new HttpClient { BaseAddress = silo.Addresses[0] };
            using var ready = await http.GetAsync(KcmRoutes.Readyz);
            var problem = await Problems.AssertAsync(ready, HttpStatusCode.ServiceUnavailable, ProblemCodes.NotReady);
            Assert.Contains("CUDA", problem.Detail, StringComparison.OrdinalIgnoreCase);
        }

        Directory.Delete(store, recursive: true);
    }

    private static async Task<InferResponse> InferAtThresholdAsync(TestSilo silo, float[][] rows, double threshold)
    {
        // Every silo follows the registry within its poll; this one is told at once, but the answer says which threshold served.
        for (var attempt = 0; ; attempt++)
        {
            var answer = await silo.InferOkAsync(rows);
            if (Math.Abs(answer.Threshold - threshold) < 1e-9 || attempt == 50)
            {
                Assert.Equal(threshold, answer.Threshold, 10);
                return answer;
            }

            await Task.Delay(100);
        }
    }
}
