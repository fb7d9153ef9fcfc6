using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Client.Tests;

public sealed class KcmClientEncodingTests
{
    private static readonly float[][] TwoRows = [[0.5f, -1.25f, 3f], [1e-7f, 0f, 255f]];

    [Fact]
    public async Task InferAsync_BinaryEncoding_SendsLittleEndianFloatsWithShapeHeader()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(2, i => i));
        using var client = handler.Client();

        await client.InferAsync(TwoRows, returnProbabilities: true);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://kcm.test/v1/models/fashion-mnist/infer", request.Uri.ToString());
        Assert.Equal(KcmMediaTypes.OctetStream, request.Header("Content-Type"));
        Assert.Equal("2,3", request.Header(KcmHeaders.Shape));
        Assert.Equal("true", request.Header(KcmHeaders.ReturnProbabilities));
        Assert.Equal(6 * sizeof(float), request.Body.Length);
        var decoded = Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadSingleLittleEndian(request.Body.AsSpan(i * 4))).ToArray();
        Assert.Equal(TwoRows.SelectMany(r => r), decoded);
    }

    [Fact]
    public async Task InferAsync_BinaryWithoutProbabilities_SendsNoProbabilitiesHeader()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(1, i => i));
        using var client = handler.Client();

        await client.InferAsync(new float[] { 1, 2, 3, 4 }, batchSize: 1);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("1,4", request.Header(KcmHeaders.Shape));
        Assert.Null(request.Header(KcmHeaders.ReturnProbabilities));
    }

    [Fact]
    public async Task InferAsync_LargeBinaryBody_ArrivesWhole()
    {
        // Bigger than the 64 KiB chunk the body is streamed in.
        var values = Enumerable.Range(0, 300 * 784).Select(i => (float)i).ToArray();
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(300, i => i));
        using var client = handler.Client();

        await client.InferAsync(values, batchSize: 300);

        var body = Assert.Single(handler.Requests).Body;
        Assert.Equal(values.Length * 4, body.Length);
        Assert.Equal(values[^1], BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(body.Length - 4)));
        Assert.Equal(values[70_000], BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(70_000 * 4)));
    }

    [Fact]
    public async Task InferAsync_JsonEncoding_SendsSnakeCaseInputs()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(2, i => i));
        using var client = handler.Client(FakeHandler.FastOptions(InferEncoding.Json));

        await client.InferAsync(new float[] { 0.5f, -1.25f, 3f, 1e-7f, 0f, 255f }, batchSize: 2, returnProbabilities: true);

        var request = Assert.Single(handler.Requests);
        Assert.StartsWith(KcmMediaTypes.Json, request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Null(request.Header(KcmHeaders.Shape));
        using var json = JsonDocument.Parse(request.Body);
        Assert.True(json.RootElement.GetProperty("return_probabilities").GetBoolean());
        var rows = json.RootElement.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        Assert.Equal(TwoRows, rows);
    }

    [Fact]
    public async Task InferAsync_SnakeCaseAnswer_ParsesEveryField()
    {
        const string Answer = """
            {"model":"fashion-mnist","threshold":0.98,"results":[
              {"label":3,"probabilities":[0.1,0.9],"route":"large","judge_confidence":0.5,"small_model_version":4,"hint":"applied","latency_ms":1.5},
              {"label":7,"route":"small","judge_confidence":0.993,"small_model_version":4,"hint":null,"latency_ms":0.21}]}
            """;
        var handler = FakeHandler.Answering((_, _) => Responses.Json(Answer));
        using var client = handler.Client();

        var response = await client.InferAsync(TwoRows);

        Assert.Equal("fashion-mnist", response.Model);
        Assert.Equal(0.98, response.Threshold);
        Assert.Equal(new InferResult(3, response.Results[0].Probabilities, InferenceRoute.Large, 0.5, 4, HintOutcome.Applied, 1.5), response.Results[0]);
        Assert.Equal([0.1f, 0.9f], response.Results[0].Probabilities!);
        Assert.Equal(new InferResult(7, null, InferenceRoute.Small, 0.993, 4, null, 0.21), response.Results[1]);
    }

    [Fact]
    public async Task InferAsync_AnswerNotMatchingTheContract_ThrowsTransportException()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Json("""{"model":"m","results":[{"label":"three"}],"threshold":0.9}"""));
        using var client = handler.Client();

        await Assert.ThrowsAsync<KcmTransportException>(() => client.InferAsync(TwoRows));
    }

    [Fact]
    public async Task InferAsync_RaggedRows_ThrowsBeforeSending()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(2, i => i));
        using var client = handler.Client();

        await Assert.ThrowsAsync<ArgumentException>(() => client.InferAsync([[1f, 2f], [3f]]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.InferAsync(Array.Empty<float[]>()));
        await Assert.ThrowsAsync<ArgumentException>(() => client.InferAsync(new float[5], batchSize: 2));
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task GetModelAsync_NestedSnakeCaseAnswer_Parses()
    {
        const string Answer = """
            {"model":"fashion-mnist","threshold":0.97,
             "small_model":{"current_version":2,"versions":[
               {"version":1,"created_utc":"2026-11-01T10:00:00+00:00","sha256":"ab","check_accuracy":0.81},
               {"version":2,"created_utc":"2026-11-02T10:00:00+00:00","sha256":"cd","check_accuracy":0.84}]},
             "routing":{"requests_small":900,"requests_large":100,"large_share_window":0.12,"window_seconds":60},
             "large_model":{"name":"cnn.onnx","hint_input":null}}
            """;
        var handler = FakeHandler.Answering((_, _) => Responses.Json(Answer));
        using var client = handler.Client();

        var model = await client.GetModelAsync();

        Assert.Equal("http://kcm.test/v1/models/fashion-mnist", Assert.Single(handler.Requests).Uri.ToString());
        Assert.Equal(0.97, model.Threshold);
        Assert.Equal(2, model.SmallModel.CurrentVersion);
        Assert.Equal(0.84, model.SmallModel.Versions[1].CheckAccuracy);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero), model.SmallModel.Versions[0].CreatedUtc);
        Assert.Equal(new RoutingInfo(900, 100, 0.12, 60), model.Routing);
        Assert.Equal(new LargeModelInfo("cnn.onnx", null), model.LargeModel);
    }

    [Fact]
    public async Task Requests_BaseAddressWithPathPrefix_KeepThePrefix()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(1, i => i));
        using var client = new KcmClient(new HttpClient(handler) { BaseAddress = new Uri("http://proxy.test/kcm") }, FakeHandler.FastOptions());

        await client.InferAsync(new float[] { 1 }, batchSize: 1);

        Assert.Equal("http://proxy.test/kcm/v1/models/fashion-mnist/infer", Assert.Single(handler.Requests).Uri.ToString());
    }

    [Fact]
    public async Task IsReadyAsync_ReflectsTheReadinessStatus()
    {
        var handler = FakeHandler.Answering((_, index) => new HttpResponseMessage(index == 0 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK));
        using var client = handler.Client();

        Assert.False(await client.IsReadyAsync());
        Assert.True(await client.IsReadyAsync());
        Assert.All(handler.Requests, r => Assert.Equal("/readyz", r.Uri.AbsolutePath));
    }
}
