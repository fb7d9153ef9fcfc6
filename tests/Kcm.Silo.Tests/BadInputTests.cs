using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>Every documented refusal of the infer and admin routes, with its status and problem code, on a serving silo.</summary>
public sealed class BadInputTests
{
    private const int Features = 784;
    private const int MaxBatch = 16;
    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Every documented refusal: a name, how to make the request, the status and code it must get.</summary>
    private static readonly (string Name, Func<HttpRequestMessage> Request, HttpStatusCode Status, string Code)[] Cases =
    [
        ("malformed JSON", () => Json("{\"inputs\": [[1, 2,"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON not an object", () => Json("[1, 2, 3]"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON without inputs", () => Json("{\"return_probabilities\": true}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON string value", () => Json("{\"inputs\": [[\"a\"" + ZerosAfterFirst() + "]]}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("JSON wrong feature count", () => Json("{\"inputs\": [" + Row() + ",[1,2,3]]}"), HttpStatusCode.BadRequest, ProblemCodes.WrongFeatureCount),
        ("JSON empty batch", () => Json("{\"inputs\": []}"), HttpStatusCode.BadRequest, ProblemCodes.EmptyBatch),
        ("JSON oversized batch", () => Json(JsonRows(MaxBatch + 1)), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BatchTooLarge),
        ("binary NaN", () => Binary(Values(2, float.NaN, at: 9), $"2,{Features}"), HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue),
        ("binary +Inf", () => Binary(Values(1, float.PositiveInfinity, at: 0), $"1,{Features}"), HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue),
        ("binary -Inf", () => Binary(Values(1, float.NegativeInfinity, at: 7), $"1,{Features}"), HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue),
        ("binary wrong feature count", () => Binary(Values(2, 0, at: 0), "1,16"), HttpStatusCode.BadRequest, ProblemCodes.WrongFeatureCount),
        ("binary oversized batch", () => Binary(Values(MaxBatch + 1, 0, at: 0), $"{MaxBatch + 1},{Features}"), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BatchTooLarge),
        ("binary missing shape", () => Binary(Values(1, 0, at: 0), null), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("binary zero batch", () => Binary([], $"0,{Features}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("binary body shorter than shape", () => Binary(Values(1, 0, at: 0), $"2,{Features}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("binary body longer than shape", () => Binary(Values(3, 0, at: 0), $"2,{Features}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedShape),
        ("text/plain body", () => Body("hello", "text/plain"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ("no content type", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath(TestSilo.Model)) { Content = new ByteArrayContent([1, 2]) },
            HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ("unknown model", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath("no-such-model")) { Content = Content(JsonRows(1), KcmMediaTypes.Json) },
            HttpStatusCode.NotFound, ProblemCodes.UnknownModel),
        ("unknown model info", () => new HttpRequestMessage(HttpMethod.Get, KcmRoutes.ModelPath("no-such-model")), HttpStatusCode.NotFound, ProblemCodes.UnknownModel),
        ("unknown ensemble", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.GeneratePath("no-such-ensemble"))
            { Content = Content("{\"prompt\": \"hello\"}", KcmMediaTypes.Json) }, HttpStatusCode.NotFound, ProblemCodes.UnknownModel),
        ("generate without JSON", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.GeneratePath("any")) { Content = Content("hello", "text/plain") },
            HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ("admin without token", () => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.DistillPath(TestSilo.Model)), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ("threshold out of range", () => Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model), "{\"epsilon\": 1.5}"),
            HttpStatusCode.BadRequest, ProblemCodes.InvalidThreshold),
        ("threshold zero", () => Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model), "{\"epsilon\": 0}"), HttpStatusCode.BadRequest, ProblemCodes.InvalidThreshold),
        ("threshold malformed", () => Admin(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model), "{\"epsilon\": "), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("threshold not JSON", () => AdminText(KcmRoutes.ThresholdPath(TestSilo.Model), "0.5"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ("rollback unknown version", () => Admin(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model), "{\"version\": 42}"),
            HttpStatusCode.NotFound, ProblemCodes.UnknownVersion),
        ("rollback with nothing older", () => Admin(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model), null), HttpStatusCode.NotFound, ProblemCodes.UnknownVersion),
        ("body over the size limit", () => Json(new string(' ', MaxBodyBytes + 1)), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.BodyTooLarge),
        ("numbers as strings", () => Json("{\"inputs\": [[\"0.5\"" + ZerosAfterFirst() + "]]}"), HttpStatusCode.BadRequest, ProblemCodes.MalformedJson),
        ("wrong method", () => new HttpRequestMessage(HttpMethod.Delete, KcmRoutes.InferPath(TestSilo.Model)), HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed),
        ("unknown path", () => new HttpRequestMessage(HttpMethod.Get, "/v1/no-such-thing"), HttpStatusCode.NotFound, ProblemCodes.NotFound),
    ];

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
                var problem = await Problems.AssertAsync(response, status, code);
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
        var test = FashionMnist.LoadTest().Slice(0, 2);
        var ok = await silo.InferOkAsync(test.Row(0).ToArray(), test.Row(1).ToArray());
        Assert.Equal(2, ok.Results.Length);
        var model = await silo.GetModelAsync();
        Assert.Equal(1, model.SmallModel.CurrentVersion);
        Assert.Equal(0.98, model.Threshold, 10);
    }

    [Fact]
    public async Task BinaryAndJsonBodies_GetTheSameAnswers()
    {
        var test = FashionMnist.LoadTest().Slice(0, 8);
        var rows = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();
        await using var silo = await TestSilo.StartAsync();

        var json = await silo.InferOkAsync(rows);
        using var binary = await silo.Http.SendAsync(Binary([.. rows.SelectMany(r => r)], $"{rows.Length},{Features}"));
        var body = await binary.Content.ReadAsStringAsync();
        Assert.True(binary.IsSuccessStatusCode, body);
        var fromBinary = System.Text.Json.JsonSerializer.Deserialize(body, KcmJsonContext.Default.InferResponse)!;

        Assert.Equal(json.Results.Select(r => (r.Label, r.Route)), fromBinary.Results.Select(r => (r.Label, r.Route)));
    }

    [Fact]
    public async Task NonFiniteValue_Problem_NamesRowAndFeature()
    {
        await using var silo = await TestSilo.StartAsync();
        using var message = Binary(Values(2, float.NaN, at: Features + 3), $"2,{Features}");

        using var response = await silo.Http.SendAsync(message);
        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue);

        Assert.Contains("Row 1, feature 3", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeOutputNotFinite_Answers422NamingTheRow_AndKeepsServing()
    {
        await using var silo = await TestSilo.StartAsync();
        var test = FashionMnist.LoadTest().Slice(0, 1);
        // The tiny large model's first logit is x . W[:,0] (+ bias and hint), W[i,0] = ((7 i) mod 17 - 8) / 100: huge
        // values of W's signs push it past float's range, and its softmax is not finite.
        var overflowing = new float[Features];
        for (var i = 0; i < Features; i++)
        {
            overflowing[i] = Math.Sign((7 * i % 17) - 8) * 3e38f;
        }

        using var response = await silo.InferAsync(test.Row(0).ToArray(), overflowing);

        var problem = await Problems.AssertAsync(response, (HttpStatusCode)422, ProblemCodes.NonFiniteOutput);
        Assert.False(problem.Retriable);
        Assert.Contains("Row 1", problem.Detail, StringComparison.Ordinal);
        var ok = await silo.InferOkAsync(test.Row(0).ToArray());
        Assert.Single(ok.Results);
    }

    private static string Row() => "[" + string.Join(",", Enumerable.Repeat("0", Features)) + "]";

    private static string ZerosAfterFirst() => string.Concat(Enumerable.Repeat(",0", Features - 1));

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

    private static HttpRequestMessage AdminText(string path, string text)
    {
        var message = new HttpRequestMessage(HttpMethod.Put, path) { Content = Content(text, "text/plain") };
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
        var values = new float[rows * Features];
        if (values.Length > 0)
        {
            values[at] = value;
        }

        return values;
    }

    private static string JsonRows(int rows) => "{\"inputs\": [" + string.Join(",", Enumerable.Repeat(Row(), rows)) + "]}";
}
