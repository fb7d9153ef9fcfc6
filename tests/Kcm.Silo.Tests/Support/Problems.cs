using System.Net;
using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Support;

/// <summary>Checks that a response is an RFC 9457 problem with KCM's status and code.</summary>
internal static class Problems
{
    public static async Task<KcmProblemDetails> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(KcmMediaTypes.ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(body, KcmJsonContext.Default.KcmProblemDetails)!;
        Assert.Equal(code, problem.Code);
        Assert.Equal((int)status, problem.Status);
        return problem;
    }
}
