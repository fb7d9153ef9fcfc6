using System.Net;
using System.Text;
using System.Text.Json;
using Kcm.Client;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>Every refusal before the stream starts is a problem+json 4xx naming what is wrong, never a 500.</summary>
[Collection(EnsembleCollection.Name)]
public sealed class GenerateRefusalTests(EnsembleSilo ensemble)
{
    public static TheoryData<string, HttpStatusCode, string> BadBodies()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("government", 400));
        return new()
        {
            { """{"prompt":""}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidPrompt },
            { """{"max_tokens":4}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidPrompt },
            { """{"prompt":"Hello","max_tokens":0}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidMaxTokens },
            { """{"prompt":"Hello","max_tokens":5000}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidMaxTokens },
            { """{"prompt":"Hello","mode":"median"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidMode },
            { """{"prompt":"Hello","mode":"adapt"}""", HttpStatusCode.Conflict, ProblemCodes.ModeUnavailable },
            { """{"prompt":"Hello","stop":["a","b","c","d","e"]}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidStop },
            { """{"prompt":"Hello","stop":[""]}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidStop },
            { """{"prompt":"Hello","stop":[null]}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidStop },
            { $$"""{"prompt":"Hello","stop":["{{new string('x', 65)}}"]}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidStop },
            { $$"""{"prompt":"{{longPrompt}}"}""", HttpStatusCode.BadRequest, ProblemCodes.PromptTooLong },
            { $$"""{"prompt":"{{longPrompt}}","mode":"main"}""", HttpStatusCode.BadRequest, ProblemCodes.PromptTooLong },
            { $$"""{"prompt":"{{new string('a', GenerateRequest.MaxPromptCharacters + 1)}}"}""", HttpStatusCode.BadRequest, ProblemCodes.PromptTooLong },
            { """{"prompt":"Hello","max_tokens":"many"}""", HttpStatusCode.BadRequest, ProblemCodes.MalformedJson },
            { """{"prompt":""", HttpStatusCode.BadRequest, ProblemCodes.MalformedJson },
            { "null", HttpStatusCode.BadRequest, ProblemCodes.MalformedJson },
        };
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Generate_BadBody_ProblemWithItsCode(string body, HttpStatusCode status, string code)
    {
        var problem = await PostAsync(EnsembleSilo.Model, new StringContent(body, Encoding.UTF8, KcmMediaTypes.Json), status);

        Assert.Equal(code, problem.Code);
        Assert.False(problem.Retriable);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
    }

    [Fact]
    public async Task Generate_UnknownModel_404UnknownModelNamingTheServedEnsemble()
    {
        var problem = await PostAsync("gpt-9", new StringContent("""{"prompt":"Hello"}""", Encoding.UTF8, KcmMediaTypes.Json), HttpStatusCode.NotFound);

        Assert.Equal(ProblemCodes.UnknownModel, problem.Code);
        Assert.Contains(EnsembleSilo.Model, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_NotJson_415UnsupportedMediaType()
    {
        var problem = await PostAsync(EnsembleSilo.Model, new StringContent("prompt=Hello", Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType);

        Assert.Equal(ProblemCodes.UnsupportedMediaType, problem.Code);
    }

    [Fact]
    public async Task GenerateStreamAsync_Refused_ThrowsKcmProblemExceptionBeforeAnyEvent()
    {
        var events = 0;
        var problem = await Assert.ThrowsAsync<KcmProblemException>(async () =>
        {
            await foreach (var _ in ensemble.Client.GenerateStreamAsync(EnsembleSilo.Model, new GenerateRequest("Hello", Mode: "adapt")))
            {
                events++;
            }
        });

        Assert.Equal(0, events);
        Assert.Equal(HttpStatusCode.Conflict, problem.Status);
        Assert.Equal(ProblemCodes.ModeUnavailable, problem.Code);
    }

    private async Task<KcmProblemDetails> PostAsync(string model, HttpContent content, HttpStatusCode status)
    {
        using (content)
        using (var response = await ensemble.Silo.Http.PostAsync(KcmRoutes.GeneratePath(model), content))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal(KcmMediaTypes.ProblemJson, response.Content.Headers.ContentType?.MediaType);
            return JsonSerializer.Deserialize(body, KcmJsonContext.Default.KcmProblemDetails)!;
        }
    }
}
