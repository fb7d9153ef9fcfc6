using System.Net;
using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Client.Tests;

public sealed class KcmClientAdminTests
{
    [Fact]
    public async Task SetThresholdAsync_WithToken_SendsPutWithBearerAndEpsilon()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Json("""{"model":"fashion-mnist","threshold":0.97,"previous_threshold":0.98}"""));
        using var client = handler.Client(FakeHandler.FastOptions(adminToken: "s3cret"));

        var answer = await client.SetThresholdAsync(0.97);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("/v1/models/fashion-mnist/threshold", request.Uri.AbsolutePath);
        Assert.Equal("Bearer s3cret", request.Header("Authorization"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(0.97, body.RootElement.GetProperty("epsilon").GetDouble());
        Assert.Equal(new ThresholdResponse("fashion-mnist", 0.97, 0.98), answer);
    }

    [Fact]
    public async Task SetThresholdAsync_WithoutToken_SendsNoAuthorizationAndSurfaces403()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Problem(HttpStatusCode.Forbidden, ProblemCodes.AdminDisabled, false));
        using var client = handler.Client();

        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.SetThresholdAsync(0.9));

        Assert.Null(Assert.Single(handler.Requests).Header("Authorization"));
        Assert.Equal(ProblemCodes.AdminDisabled, problem.Code);
        Assert.Equal(HttpStatusCode.Forbidden, problem.Status);
    }

    [Fact]
    public async Task GetModelAsync_WithToken_DoesNotSendIt()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Problem(HttpStatusCode.NotFound, ProblemCodes.UnknownModel, false));
        using var client = handler.Client(FakeHandler.FastOptions(adminToken: "s3cret"));

        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.GetModelAsync());

        Assert.Null(Assert.Single(handler.Requests).Header("Authorization"));
        Assert.Equal(ProblemCodes.UnknownModel, problem.Code);
    }

    [Theory]
    [InlineData(3, "3")]
    [InlineData(null, "null")]
    public async Task RollbackAsync_SendsTheVersionOrNull(int? version, string expected)
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Json("""{"model":"fashion-mnist","current_version":3,"previous_version":5}"""));
        using var client = handler.Client(FakeHandler.FastOptions(adminToken: "t"));

        var answer = await client.RollbackAsync(version);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("/v1/models/fashion-mnist/rollback", request.Uri.AbsolutePath);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(expected, body.RootElement.GetProperty("version").GetRawText());
        Assert.Equal(new RollbackResponse("fashion-mnist", 3, 5), answer);
    }

    [Fact]
    public async Task Calls_ForAnotherModel_UseItsEscapedName()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Json("""{"model":"a b","current_version":1,"previous_version":2}"""));
        using var client = handler.Client(new KcmClientOptions { Model = "a b", AdminToken = "t" });

        await client.RollbackAsync(1);

        Assert.Equal("/v1/models/a%20b/rollback", Assert.Single(handler.Requests).Uri.AbsolutePath);
    }
}
