using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Contracts;

/// <summary>The generation contract's JSON: snake_case names and the request's documented defaults.</summary>
public sealed class GenerationContractsTests
{
    [Fact]
    public void GenerateRequest_OnlyAPrompt_TakesTheDocumentedDefaults()
    {
        var request = JsonSerializer.Deserialize("""{"prompt":"We the people"}""", KcmJsonContext.Default.GenerateRequest)!;

        Assert.Equal("We the people", request.Prompt);
        Assert.Equal(32, request.MaxTokens);
        Assert.Equal(GenerationModes.Avg, request.Mode);
        Assert.Null(request.Stop);
    }

    [Fact]
    public void GenerationEvents_Serialise_WithTheWireNames()
    {
        var token = JsonSerializer.Serialize(new GenerationToken(3, 17, " we", true, false, 2.5, 1, 1, 0.5), KcmJsonContext.Default.GenerationToken);
        var done = JsonSerializer.Serialize(new GenerationDone(" we", 1, FinishReasons.EndOfText, 1, 1, 10, 100, "avg", "sotu"), KcmJsonContext.Default.GenerationDone);

        Assert.Equal("""{"index":3,"token_id":17,"text":" we","fused":true,"changed_by_fusion":false,"step_ms":2.5,"main_ms":1,"assistants_ms":1,"fusion_ms":0.5}""", token);
        Assert.Equal("""{"text":" we","tokens":1,"finish_reason":"end_of_text","fused_steps":1,"fused_step_share":1,"tokens_per_second":10,"elapsed_ms":100,"mode":"avg","model":"sotu"}""", done);
    }
}
