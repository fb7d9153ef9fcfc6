using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

public sealed class BadInputTests
{
    private const int MaxBatch = 16;

    /// <summary>Every documented refusal: a name, how to make the request, the status and code it must get.</summary>
    private static readonly (string Name, Func<HttpRequestMessage> Request, HttpStatusCode Status, string Code)[] Cases =
    [
        ("malformed JSON", () => Json("{\"inputs\": [[1, 2,"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON not an object", () => Json("[1, 2, 3]"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON without inputs", () => Json("{\"return_probabilities\": true}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON string value", () => Json("{\"inputs\": [[\"a\",0,0,0,0,0,0,0]]}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON wrong feature count", () => Json("{\"inputs\": [[0,0,0,0,0,0,0,0],[1,2,3]]}"), HttpStatusCode.BadRequest, ProblemCodes.WrongFeatureCount),
        ("JSON empty batch", () => Json("{\"inputs\": []}"), HttpStatusCode.BadRequest, ProblemCodes.EmptyBatch),
        ("JSON oversized batch", () => Json(JsonRows(MaxBatch + 1)), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BatchTooLarge),
        ("binary NaN", () => Binary(Values(2, float.NaN, at: 9), "2,8"), HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue),
        ("binary +Inf", () => Binary(Values(1, float.PositiveInfinity, at: 0), "1,8"), HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue),
        ("binary -Inf", () => Binary(Values(1, float.NegativeInfinity, at: 7), "1,8"), HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue),
        ("binary wrong feature count", () => Binary(Values(2, 0, at: 0), "1,16"), HttpStatusCode.BadRequest, ProblemCodes.WrongFeatureCount),
        ("binary oversized batch", () => Binary(Values(MaxBatch + 1, 0, at: 0), $"{MaxBatch + 1},8"), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BatchTooLarge),
        ("binary missing shape", () => Binary(Values(1, 0, at: 0), null), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("binary zero batch", () => Binary([], "0,8"), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("binary body shorter than shape", () => Binary(Values(1, 0, at: 0), "2,8"), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("binary body longer than shape", () => Binary(Values(3, 0, at: 0), "2,8"), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("text/plain body", () => Body("hello", "text/plain"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ("no content type", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath(TestSilo.Model)) { Content = new ByteArrayContent([1, 2]) },
            HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ("unknown model", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath("no-such-model")) { Content = Content(JsonRows(1), KcmMediaTypes.Json) },
            HttpStatusCode.NotFound, ProblemCodes.UnknownModel),
        ("unknown model info", () => new HttpRequestMessage(HttpMethod.Get, KcmRoutes.ModelPath("no-such-model")), HttpStatusCode.NotFound, ProblemCodes.UnknownModel),
        ("admin without token", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.DistillPath(TestSilo.Model)), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ("threshold out of range", () => Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model), "{\"epsilon\": 1.5}"),
            HttpStatusCode.BadRequest, ProblemCodes.InvalidThreshold),
        ("threshold zero", () => Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model), "{\"epsilon\": 0}"), HttpStatusCode.BadRequest, ProblemCodes.InvalidThreshold),
        ("threshold malformed", () => Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model), "{\"epsilon\": "), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("rollback unknown version", () => Admin(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model), "{\"version\": 42}"),
            HttpStatusCode.NotFound, ProblemCodes.UnknownVersion),
        ("rollback with nothing older", () => Admin(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model), null), HttpStatusCode.NotFound, ProblemCodes.UnknownVersion),
        ("body over the size limit", () => Json(new string(' ', MaxBodyBytes + 1)), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BodyTooLarge),
        ("numbers as strings", () => Json("{\"inputs\": [[\"0.5\",0,0,0,0,0,0,0]]}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("wrong method", () => new HttpRequestMessage(HttpMethod.Delete, KcmRoutes.InferPath(TestSilo.Model)), HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed),
        ("unknown path", () => new HttpRequestMessage(HttpMethod.Get, "/v1/no-such-thing"), HttpStatusCode.NotFound, ProblemCodes.NotFound),
    ];

    private const int MaxBodyBytes = 64 * 1024;

    [Fact]
    public async Task EveryBadRequest_GetsDocumentedProblem_AndSiloKeepsServing()
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string>
        {
            ["Kcm:MaxBatchSize"] = MaxBatch.ToString(),
            ["Kcm:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(),
        });
        var failures = new List<string>();

        foreach (var (name, request, status, code) in Cases)
        {
            using var message = request();
            using var response = await silo.Http.SendAsync(message);
            try
            {
                var problem = await RoutingTests.AssertProblem(response, status, code);
                Assert.False(problem.Retriable);
                Assert.Equal("urn:kcm:problem:" + code, problem.Type);
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Refusals are the client's fault: none is logged as an error or with an exception's stack trace.
        Assert.DoesNotContain(silo.Logs.Lines, line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal));
        var ok = await silo.InferOkAsync(TestModels.Confident(), TestModels.Doubtful());
        Assert.Equal(2, ok.Results.Length);
        var model = await silo.GetModelAsync();
        Assert.Equal(1, model.SmallModel.CurrentVersion);
        Assert.Equal(0.98, model.Threshold, 10);
    }

    [Fact]
    public async Task NonFiniteValue_Problem_NamesRowAndFeature()
    {
        await using var silo = await TestSilo.StartAsync();
        using var message = Binary(Values(2, float.NaN, at: 11), "2,8");

        using var response = await silo.Http.SendAsync(message);
        var problem = await RoutingTests.AssertProblem(response, HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue);

        Assert.Contains("Row 1, feature 3", problem.Detail);
    }

    [Fact]
    public async Task JudgeLogitsBeyondExpRange_AreRoutedByConfidence_NotAnswered500()
    {
        // x0 = 100 gives a judge logit of 1000: a plain softmax makes it NaN, which once sent the row to the large model
        // while the answer step looked for it on the small route (500, empty body).
        await using var silo = await TestSilo.StartAsync();
        var sure = TestModels.Confident();
        sure[0] = 100f;
        var raw = TestModels.Doubtful(hot: 4);
        raw[4] = 255f;

        var answer = await silo.InferOkAsync(sure, raw, TestModels.Doubtful(hot: 2));

        Assert.Equal(InferenceRoute.Small, answer.Results[0].Route);
        Assert.Equal(1.0, answer.Results[0].JudgeConfidence, 6);
        Assert.Equal(InferenceRoute.Large, answer.Results[1].Route);
        Assert.Equal(5, answer.Results[1].Label);
        Assert.Equal(InferenceRoute.Large, answer.Results[2].Route);
        Assert.Equal(3, answer.Results[2].Label);
    }

    [Fact]
    public async Task JudgeOutputNotFinite_GoesToTheLargeModel_AndIsCounted()
    {
        await using var silo = await TestSilo.StartAsync();
        using var nonFinite = new MeasuredCounter("kcm_nonfinite_outputs_total", "model", "judge");
        // x0 = 1e38 overflows the judge's logit to infinity: its confidence is NaN, so the routing rule sends it large.
        var overflowing = TestModels.Doubtful(hot: 6);
        overflowing[0] = 1e38f;

        var answer = await silo.InferOkAsync(overflowing, TestModels.Confident());

        Assert.Equal(InferenceRoute.Large, answer.Results[0].Route);
        Assert.Equal(7, answer.Results[0].Label);
        Assert.Equal(0.0, answer.Results[0].JudgeConfidence);
        Assert.Equal(InferenceRoute.Small, answer.Results[1].Route);
        Assert.Equal(1, nonFinite.Total);
    }

    [Fact]
    public async Task LargeOutputNotFinite_Answers422NamingTheRow_TeachesNothing_AndKeepsServing()
    {
        await using var silo = await TestSilo.StartAsync();
        var overflowing = TestModels.Doubtful(hot: 5);
        overflowing[5] = -1e38f;
        overflowing[6] = 1e38f;

        using var response = await silo.InferAsync(TestModels.Doubtful(), overflowing);

        var problem = await RoutingTests.AssertProblem(response, (HttpStatusCode)422, ProblemCodes.NonFiniteOutput);
        Assert.False(problem.Retriable);
        Assert.Contains("Row 1", problem.Detail);
        Assert.Equal(0, silo.Host.Node.Grains!.Teachers.Count);
        var ok = await silo.InferOkAsync(TestModels.Doubtful(hot: 2));
        Assert.Equal(3, ok.Results[0].Label);
        Assert.Equal(1, silo.Host.Node.Grains!.Teachers.Count);
    }

    private static HttpRequestMessage Json(string body) => Body(body, KcmMediaTypes.Json);

    private static HttpRequestMessage Body(string body, string mediaType) =>
        new(HttpMethod.Post, KcmRoutes.InferPath(TestSilo.Model)) { Content = Content(body, mediaType) };

    private static StringContent Content(string body, string mediaType) => new(body, Encoding.UTF8, mediaType);

    private static HttpRequestMessage Admin(HttpMethod method, string path, string? json)
    {
        var message = new HttpRequestMessage(method, path) { Content = json is null ? null : Content(json, KcmMediaTypes.Json) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestSilo.AdminToken);
        return message;
    }

    private static HttpRequestMessage Binary(float[] values, string? shape)
    {
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(KcmMediaTypes.OctetStream);
        if (shape is not null)
        {
            content.Headers.Add(KcmHeaders.Shape, shape);
        }

        return new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath(TestSilo.Model)) { Content = content };
    }

    private static float[] Values(int rows, float value, int at)
    {
        var values = new float[rows * TestModels.Features];
        if (values.Length > 0)
        {
            values[at] = value;
        }

        return values;
    }

    private static string JsonRows(int rows) =>
        "{\"inputs\": [" + string.Join(",", Enumerable.Repeat("[0,0,0,0,0,0,0,0]", rows)) + "]}";
}
