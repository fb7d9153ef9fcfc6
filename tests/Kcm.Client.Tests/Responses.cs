using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Client.Tests;

/// <summary>Canned HTTP answers in the silo's wire format.</summary>
internal static class Responses
{
    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, KcmMediaTypes.Json) };

    public static HttpResponseMessage Infer(InferResponse response) =>
        Json(JsonSerializer.Serialize(response, KcmJsonContext.Default.InferResponse));

    /// <summary>An infer answer with one small-route result per sample, labelled by <paramref name="labelOf"/>.</summary>
    public static HttpResponseMessage Infer(int count, Func<int, int> labelOf) =>
        Infer(new InferResponse(
            KcmRoutes.DefaultModel,
            [.. Enumerable.Range(0, count).Select(i => new InferResult(labelOf(i), null, InferenceRoute.Small, 0.99, 1, null, 0.1))],
            0.98));

    public static HttpResponseMessage Problem(HttpStatusCode status, string code, bool retriable, int? retryAfterSeconds = null)
    {
        var problem = new KcmProblemDetails("about:blank", $"Problem {code}", (int)status, $"detail of {code}", code, retriable);
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent(JsonSerializer.Serialize(problem, KcmJsonContext.Default.KcmProblemDetails), Encoding.UTF8, KcmMediaTypes.ProblemJson),
        };
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return response;
    }
}
