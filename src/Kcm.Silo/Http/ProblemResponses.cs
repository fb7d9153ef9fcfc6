using System.Globalization;
using System.Text.Json;
using Kcm.Contracts;
using Microsoft.AspNetCore.Http.Features;

namespace Kcm.Silo.Http;

/// <summary>Writes RFC 9457 problems with KCM's <c>code</c> and <c>retriable</c> extensions.</summary>
internal static class ProblemResponses
{
    public static Task WriteAsync(HttpContext context, int status, string code, string title, string detail, bool retriable, int? retryAfterSeconds = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = KcmMediaTypes.ProblemJson;
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers[KcmHeaders.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            // A refused chunked body may be left unread and larger than Kestrel will drain, which then drops the
            // connection: a client told to reuse it would lose its next request. Closing costs only a reconnect.
            response.Headers.Connection = "close";
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        var problem = new KcmProblemDetails("urn:kcm:problem:" + code, title, status, detail, code, retriable);
        return JsonSerializer.SerializeAsync(response.Body, problem, KcmJsonContext.Default.KcmProblemDetails, context.RequestAborted);
    }

    public static Task UnknownModelAsync(HttpContext context, string model, string served) =>
        WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownModel, "Unknown model",
            $"No model named '{model}' is served here; this silo serves '{served}'.", false);

    public static Task NotReadyAsync(HttpContext context, bool stopping, int retryAfterSeconds) => stopping
        ? WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ShuttingDown, "Shutting down",
            "The silo is shutting down; send the request to another node or retry later.", true, retryAfterSeconds)
        : WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.NotReady, "Not ready",
            "The silo is still loading its models.", true, retryAfterSeconds);

    public static Task MalformedJsonAsync(HttpContext context, string detail) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedJson, "Malformed JSON", detail, false);
}
