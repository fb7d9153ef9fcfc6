using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Client.Tests;

/// <summary>The SDK's generation stream: server-sent events parsed as they arrive, problems as typed exceptions.</summary>
public sealed class KcmClientGenerateTests
{
    private const string Token0 = """{"index":0,"token_id":17,"text":" We","fused":true,"changed_by_fusion":false,"step_ms":3.5,"main_ms":1,"assistants_ms":2,"fusion_ms":0.5}""";
    private const string Token1 = """{"index":1,"token_id":42,"text":" can","fused":false,"changed_by_fusion":false,"step_ms":1,"main_ms":1,"assistants_ms":0,"fusion_ms":0}""";
    private const string Done = """{"text":" We can","tokens":2,"finish_reason":"length","fused_steps":1,"fused_step_share":0.5,"tokens_per_second":400,"elapsed_ms":5,"mode":"avg","model":"sotu"}""";

    [Fact]
    public async Task GenerateStreamAsync_EventsArriveOneByOne_YieldsEachBeforeTheNextIsSent()
    {
        var body = new Pipe();
        var handler = FakeHandler.Answering((_, _) => EventStream(new StreamContent(body.Reader.AsStream())));
        using var client = handler.Client();
        await using var events = client.GenerateStreamAsync("sotu", new GenerateRequest("We")).GetAsyncEnumerator();

        await WriteAsync(body.Writer, $"event: token\ndata: {Token0}\n\n");
        // A parser that waited for the whole body would time out here.
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        var first = Assert.IsType<GenerationToken>(events.Current);
        await WriteAsync(body.Writer, $"event: token\ndata: {Token1}\n\nevent: done\ndata: {Done}\n\n");
        Assert.True(await events.MoveNextAsync());
        var second = Assert.IsType<GenerationToken>(events.Current);
        Assert.True(await events.MoveNextAsync());
        var done = Assert.IsType<GenerationDone>(events.Current);
        Assert.False(await events.MoveNextAsync());

        Assert.Equal((0, 17, " We", true), (first.Index, first.TokenId, first.Text, first.Fused));
        Assert.Equal(2.0, first.AssistantsMs);
        Assert.Equal((1, 42, " can"), (second.Index, second.TokenId, second.Text));
        Assert.Equal(first.Text + second.Text, done.Text);
        Assert.Equal((2, FinishReasons.Length, 1, 0.5), (done.Tokens, done.FinishReason, done.FusedSteps, done.FusedStepShare));
    }

    [Fact]
    public async Task GenerateAsync_CrLfCommentsSplitDataAndUnknownEvents_ReturnsTheDoneEventAndPostsTheRequest()
    {
        var multiLineToken = Token0.Replace(",\"text\"", "\r\ndata: ,\"text\"", StringComparison.Ordinal);
        var stream = $": keep-alive\r\nevent: token\r\ndata: {multiLineToken}\r\n\r\nevent: ping\r\ndata: {{}}\r\n\r\nevent: done\r\ndata:{Done}\r\n\r\n";
        var handler = FakeHandler.Answering((_, _) => EventStream(new StringContent(stream, Encoding.UTF8)));
        using var client = handler.Client();

        var done = await client.GenerateAsync("sotu", new GenerateRequest("We", 2, ["\n\n"], GenerationModes.Gated));

        Assert.Equal(" We can", done.Text);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/v1/models/sotu/generate", request.Uri.AbsolutePath);
        Assert.Equal(KcmMediaTypes.EventStream, request.Header("Accept"));
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal("We", json.RootElement.GetProperty("prompt").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal("gated", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal("\n\n", json.RootElement.GetProperty("stop")[0].GetString());
    }

    [Fact]
    public async Task GenerateStreamAsync_ProblemResponse_ThrowsKcmProblemExceptionWithItsCode()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Problem(HttpStatusCode.BadRequest, ProblemCodes.PromptTooLong, false));
        using var client = handler.Client();

        var problem = await Assert.ThrowsAsync<KcmProblemException>(async () =>
        {
            await foreach (var _ in client.GenerateStreamAsync("sotu", new GenerateRequest("We")))
            {
            }
        });

        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal(ProblemCodes.PromptTooLong, problem.Code);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task GenerateAsync_503OverloadedThenStream_RetriesAndSucceeds()
    {
        var handler = FakeHandler.Answering((_, index) => index == 0
            ? Responses.Problem(HttpStatusCode.ServiceUnavailable, ProblemCodes.Overloaded, true)
            : EventStream(new StringContent($"event: done\ndata: {Done}\n\n", Encoding.UTF8)));
        using var client = handler.Client();

        var done = await client.GenerateAsync("sotu", new GenerateRequest("We"));

        Assert.Equal(" We can", done.Text);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task GenerateStreamAsync_ErrorEventMidStream_ThrowsKcmProblemExceptionAfterTheTokensBeforeIt()
    {
        var problem = new KcmProblemDetails("urn:kcm:problem:generation_failed", "Generation failed", 500, "boom", ProblemCodes.GenerationFailed, false);
        var stream = $"event: token\ndata: {Token0}\n\nevent: error\ndata: {JsonSerializer.Serialize(problem, KcmJsonContext.Default.KcmProblemDetails)}\n\n";
        var handler = FakeHandler.Answering((_, _) => EventStream(new StringContent(stream, Encoding.UTF8)));
        using var client = handler.Client();
        var tokens = 0;

        var error = await Assert.ThrowsAsync<KcmProblemException>(async () =>
        {
            await foreach (var item in client.GenerateStreamAsync("sotu", new GenerateRequest("We")))
            {
                Assert.IsType<GenerationToken>(item);
                tokens++;
            }
        });

        Assert.Equal(1, tokens);
        Assert.Equal(ProblemCodes.GenerationFailed, error.Code);
        Assert.Equal("boom", error.Detail);
    }

    [Theory]
    [InlineData("event: token\ndata: " + Token0 + "\n\n")]
    [InlineData("event: token\ndata: " + Token0 + "\n\nevent: done\ndata: " + Done)]
    public async Task GenerateAsync_StreamEndsBeforeDone_ThrowsKcmTransportException(string stream)
    {
        var handler = FakeHandler.Answering((_, _) => EventStream(new StringContent(stream, Encoding.UTF8)));
        using var client = handler.Client();

        var error = await Assert.ThrowsAsync<KcmTransportException>(() => client.GenerateAsync("sotu", new GenerateRequest("We")));

        Assert.Contains("done", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_EventNotInTheContract_ThrowsKcmTransportException()
    {
        var handler = FakeHandler.Answering((_, _) => EventStream(new StringContent("event: token\ndata: {\"index\":\n\n", Encoding.UTF8)));
        using var client = handler.Client();

        var error = await Assert.ThrowsAsync<KcmTransportException>(() => client.GenerateAsync("sotu", new GenerateRequest("We")));

        Assert.Contains("token", error.Message, StringComparison.Ordinal);
    }

    private static HttpResponseMessage EventStream(HttpContent content)
    {
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(KcmMediaTypes.EventStream);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static async Task WriteAsync(PipeWriter writer, string text)
    {
        await writer.WriteAsync(Encoding.UTF8.GetBytes(text));
        await writer.FlushAsync();
    }
}
