using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

public sealed class RoutingTests
{
    [Fact]
    public async Task Infer_MixedConfidence_RoutesByThresholdAndNamesVersion()
    {
        await using var silo = await TestSilo.StartAsync();

        var response = await silo.InferOkAsync(TestModels.Confident(), TestModels.Doubtful(hot: 5), TestModels.Middling());

        Assert.Equal(TestSilo.Model, response.Model);
        Assert.Equal(0.98, response.Threshold, 10);
        Assert.Collection(
            response.Results,
            r =>
            {
                Assert.Equal(InferenceRoute.Small, r.Route);
                Assert.Equal(1, r.Label); // generation 1 answers class 1
                Assert.Null(r.Hint);
                Assert.True(r.JudgeConfidence > 0.999);
            },
            r =>
            {
                Assert.Equal(InferenceRoute.Large, r.Route);
                Assert.Equal(6, r.Label); // the large model answers the hot feature + 1
                Assert.Equal(HintOutcome.Skipped, r.Hint);
                Assert.Equal(0.1, r.JudgeConfidence, 3);
            },
            r => Assert.Equal(InferenceRoute.Large, r.Route));
        Assert.All(response.Results, r => Assert.Equal(1, r.SmallModelVersion));
        Assert.All(response.Results, r => Assert.Null(r.Probabilities));
    }

    [Fact]
    public async Task SetThreshold_LowerEpsilon_MiddlingSampleMovesToSmallAndIsPersisted()
    {
        var store = Path.Combine(Path.GetTempPath(), "kcm-silo-test-" + Guid.NewGuid().ToString("N"));
        await using (var silo = await TestSilo.StartAsync(storePath: store))
        {
            Assert.Equal(InferenceRoute.Large, (await silo.InferOkAsync(TestModels.Middling())).Results[0].Route);

            using var put = await silo.Http.SendAsync(silo.Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model),
                JsonContent.Create(new ThresholdRequest(0.9), KcmJsonContext.Default.ThresholdRequest)));
            var change = await put.Content.ReadFromJsonAsync(KcmJsonContext.Default.ThresholdResponse);

            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal(0.98, change!.PreviousThreshold, 10);
            Assert.Equal(0.9, change.Threshold, 10);
            var after = await silo.InferOkAsync(TestModels.Middling());
            Assert.Equal(InferenceRoute.Small, after.Results[0].Route);
            Assert.Equal(0.9, after.Threshold, 10);
            Assert.Equal(0.9, (await silo.GetModelAsync()).Threshold, 10);
        }

        // A new silo on the same store starts with the threshold set through the admin API.
        try
        {
            await using var restarted = await TestSilo.StartAsync(storePath: store);
            Assert.Equal(0.9, (await restarted.GetModelAsync()).Threshold, 10);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public async Task AdminCall_WithoutOrWithWrongToken_IsRefusedAndThresholdUnchanged()
    {
        await using var silo = await TestSilo.StartAsync();
        var body = JsonContent.Create(new ThresholdRequest(0.5), KcmJsonContext.Default.ThresholdRequest);

        using var missing = await silo.Http.PutAsync(KcmRoutes.ThresholdPath(TestSilo.Model), body);
        using var wrong = new HttpRequestMessage(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model)) { Content = body };
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");
        using var wrongResponse = await silo.Http.SendAsync(wrong);

        await AssertProblem(missing, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        await AssertProblem(wrongResponse, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        Assert.Equal(0.98, (await silo.GetModelAsync()).Threshold, 10);
    }

    [Fact]
    public async Task AdminCall_NoTokenConfigured_AnswersAdminDisabled()
    {
        await using var silo = await TestSilo.StartAsync(withAdminToken: false);

        using var response = await silo.Http.SendAsync(silo.Admin(HttpMethod.Post, KcmRoutes.DistillPath(TestSilo.Model)));

        await AssertProblem(response, HttpStatusCode.Forbidden, ProblemCodes.AdminDisabled);
    }

    [Fact]
    public async Task Infer_BinaryBodyWithProbabilities_MatchesJsonAnswer()
    {
        await using var silo = await TestSilo.StartAsync();
        float[][] rows = [TestModels.Confident(), TestModels.Doubtful(hot: 2)];
        var flat = rows.SelectMany(r => r).ToArray();
        using var content = new ByteArrayContent(MemoryMarshal.AsBytes(flat.AsSpan()).ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(KcmMediaTypes.OctetStream);
        content.Headers.Add(KcmHeaders.Shape, ShapeHeader.Format(2, TestModels.Features));
        content.Headers.Add(KcmHeaders.ReturnProbabilities, "true");

        using var response = await silo.Http.PostAsync(KcmRoutes.InferPath(TestSilo.Model), content);
        var binary = await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.InferResponse);
        var json = await silo.InferOkAsync(rows);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(json.Results.Select(r => (r.Label, r.Route)), binary!.Results.Select(r => (r.Label, r.Route)));
        Assert.All(binary.Results, r => Assert.Equal(1.0, r.Probabilities!.Sum(), 4));
        Assert.Equal(TestModels.Classes, binary.Results[1].Probabilities!.Length);
        Assert.Equal(3, Array.IndexOf(binary.Results[1].Probabilities!, binary.Results[1].Probabilities!.Max()));
    }

    [Fact]
    public async Task Infer_LargeModelWithHintInput_PassesSmallProbabilitiesAndSaysApplied()
    {
        await using var silo = await TestSilo.StartAsync(hintInputName: "small_probs");

        var response = await silo.InferOkAsync(TestModels.Doubtful());
        var model = await silo.GetModelAsync();

        Assert.Equal(HintOutcome.Applied, response.Results[0].Hint);
        Assert.Equal("small_probs", model.LargeModel.HintInput);
        var hint = silo.Large[0].Hints.Single();
        Assert.Equal(TestModels.Classes, hint.Length);
        Assert.Equal(1, Array.IndexOf(hint, hint.Max())); // the small model (generation 1) favours class 1
        Assert.Equal(1.0, hint.Sum(), 4);
    }

    [Fact]
    public async Task GetModel_AfterTraffic_CountsRoutesAndLargeShare()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Confident(), TestModels.Confident(), TestModels.Confident(), TestModels.Doubtful());

        var model = await silo.GetModelAsync();

        Assert.Equal(3, model.Routing.RequestsSmall);
        Assert.Equal(1, model.Routing.RequestsLarge);
        Assert.Equal(0.25, model.Routing.LargeShareWindow, 6);
        Assert.Equal(1, model.SmallModel.CurrentVersion);
        Assert.Equal("test-large", model.LargeModel.Name);
        Assert.Null(model.LargeModel.HintInput);
        var version = Assert.Single(model.SmallModel.Versions);
        Assert.Equal(64, version.Sha256.Length);
    }

    internal static async Task<KcmProblemDetails> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(KcmMediaTypes.ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(body, KcmJsonContext.Default.KcmProblemDetails)!;
        Assert.Equal(code, problem.Code);
        Assert.Equal((int)status, problem.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Title));
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        return problem;
    }
}
