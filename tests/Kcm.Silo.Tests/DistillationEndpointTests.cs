using System.Net;
using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;

namespace Kcm.Silo.Tests;

/// <summary><c>GET /v1/models/{model}/distillation</c>: this silo's rounds and teacher records, as /metrics counts them.</summary>
public sealed class DistillationEndpointTests
{
    [Fact]
    public async Task Distillation_AfterLargeAnswersAndRounds_CountsThemAsMetricsDo()
    {
        await using var silo = await TestSilo.StartAsync();
        var start = await GetAsync(silo);
        await silo.InferOkAsync(TestModels.Confident(), TestModels.Doubtful(hot: 1), TestModels.Doubtful(hot: 2), TestModels.Doubtful(hot: 3));
        var accepted = await silo.DistillAsync();
        var empty = await silo.DistillAsync();

        var after = await GetAsync(silo);
        var metrics = await silo.Http.GetStringAsync(KcmRoutes.Metrics);

        Assert.Equal(new DistillationInfo(TestSilo.Model, 0, 0, 0, 0, 0, 0), start);
        Assert.True(accepted.Promoted, accepted.Detail);
        Assert.Equal(0, empty.SampleCount);
        Assert.Equal(new DistillationInfo(TestSilo.Model, 1, 0, 0, 1, 3, 3), after);
        Assert.Equal(after.RoundsAccepted, ExpositionText.Sum(metrics, "kcm_distillation_rounds_total", ("outcome", "accepted")));
        Assert.Equal(after.RoundsEmpty, ExpositionText.Sum(metrics, "kcm_distillation_rounds_total", ("outcome", "empty")));
        Assert.Equal(after.TeacherRecordsQueued, ExpositionText.Sum(metrics, "kcm_teacher_records_queued_total"));
        Assert.Equal(after.TeacherRecordsConsumed, ExpositionText.Sum(metrics, "kcm_teacher_records_consumed_total"));
    }

    [Fact]
    public async Task Distillation_UnknownModel_IsNotFoundProblem()
    {
        await using var silo = await TestSilo.StartAsync();

        using var response = await silo.Http.GetAsync(KcmRoutes.DistillationPath("no-such-model"));
        var problem = await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.KcmProblemDetails);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(ProblemCodes.UnknownModel, problem?.Code);
    }

    private static async Task<DistillationInfo> GetAsync(TestSilo silo) =>
        (await silo.Http.GetFromJsonAsync(KcmRoutes.DistillationPath(TestSilo.Model), KcmJsonContext.Default.DistillationInfo))!;
}
