using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Contracts;

/// <summary>The HTTP wire contract's JSON (what clients in other languages read): snake_case names, string enums, RFC 9457 problems, the shape header.</summary>
public sealed class ContractsJsonTests
{
    [Fact]
    public void InferResponse_Serialized_UsesSnakeCaseStringEnumsAndOmitsAbsentProbabilities()
    {
        var response = new InferResponse("fashion-mnist", [
            new InferResult(1, null, InferenceRoute.Small, 0.99, 2, null, 0.2),
            new InferResult(2, [0.25f, 0.75f], InferenceRoute.Large, 0.4, 2, HintOutcome.Unused, 3),
            new InferResult(3, null, InferenceRoute.Large, 0.3, 2, HintOutcome.Used, 3),
        ], 0.98);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(response, KcmJsonContext.Default.InferResponse));
        var results = json.RootElement.GetProperty("results");

        Assert.False(results[0].TryGetProperty("probabilities", out _));
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("hint").ValueKind);
        Assert.Equal("small", results[0].GetProperty("route").GetString());
        Assert.Equal(0.99, results[0].GetProperty("judge_confidence").GetDouble());
        Assert.Equal(2, results[0].GetProperty("small_model_version").GetInt32());
        Assert.Equal(0.2, results[0].GetProperty("latency_ms").GetDouble());
        Assert.Equal("large", results[1].GetProperty("route").GetString());
        Assert.Equal("unused", results[1].GetProperty("hint").GetString());
        Assert.Equal("used", results[2].GetProperty("hint").GetString());
        Assert.Equal(2, results[1].GetProperty("probabilities").GetArrayLength());
    }

    [Fact]
    public void ProblemDetails_Serialized_HasRfc9457FieldsAndExtensions()
    {
        var problem = new KcmProblemDetails("about:blank", "Too many", 429, "queue full", ProblemCodes.Overloaded, true);

        var text = JsonSerializer.Serialize(problem, KcmJsonContext.Default.KcmProblemDetails);

        Assert.Equal("""{"type":"about:blank","title":"Too many","status":429,"detail":"queue full","code":"overloaded","retriable":true}""", text);
    }

    [Theory]
    [InlineData("2,784", true, 2, 784)]
    [InlineData(" 16 , 3 ", true, 16, 3)]
    [InlineData("0,784", false, 0, 0)]
    [InlineData("2;784", false, 0, 0)]
    [InlineData("2,-1", false, 0, 0)]
    [InlineData("a,b", false, 0, 0)]
    [InlineData("", false, 0, 0)]
    public void ShapeHeader_TryParse_AcceptsOnlyTwoPositiveNumbers(string text, bool ok, int batch, int features)
    {
        Assert.Equal(ok, ShapeHeader.TryParse(text, out var parsedBatch, out var parsedFeatures));
        Assert.Equal((batch, features), (parsedBatch, parsedFeatures));
    }

    [Fact]
    public void ShapeHeader_Format_RoundTrips()
    {
        Assert.True(ShapeHeader.TryParse(ShapeHeader.Format(256, 784), out var batch, out var features));
        Assert.Equal((256, 784), (batch, features));
    }

    [Fact]
    public void Routes_Paths_FillTheTemplates()
    {
        Assert.Equal(KcmRoutes.Infer.Replace("{model}", "fashion-mnist", StringComparison.Ordinal), KcmRoutes.InferPath("fashion-mnist"));
        Assert.Equal(KcmRoutes.Distill.Replace("{model}", "x", StringComparison.Ordinal), KcmRoutes.DistillPath("x"));
    }
}
