using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>
/// Makes every error response problem+json: a request the HTTP layer refuses (a body over the size limit, a body
/// shorter than its Content-Length) is answered with its status and a problem instead of escaping as an unhandled
/// exception logged with a stack trace; an error status set without a body (404 from routing, 405) gets a problem
/// body. These are the client's faults, logged at debug level only, so a flood of them cannot flood the log. Any other
/// exception is the silo's fault: logged as an error and answered 500 <c>internal</c>, never a bare dropped connection.
/// </summary>
internal static class ProblemStatusPages
{
    public static void UseProblemStatusPages(this WebApplication app)
    {
        app.Use(AnswerBadRequestsAsync);
        app.UseStatusCodePages(context => WriteEmptyStatusAsync(context.HttpContext));
    }

    private static async Task AnswerBadRequestsAsync(HttpContext context, RequestDelegate next)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (context.Request.ContentLength > limit)
        {
            // Refused before a byte is read. Kestrel would try to drain the unread body after the response, fail on the
            // limit and drop the connection under a client that was told it may reuse it: tell it to close instead.
            Logger(context).LogDebug("Refused a {Length}-byte body to {Path}.", context.Request.ContentLength, context.Request.Path);
            context.Response.Headers.Connection = "close";
            await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "Body too large",
                $"The body has {context.Request.ContentLength} bytes; at most {limit} are accepted.", false).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            Logger(context).LogDebug("Refused a bad request to {Path}: {Reason}", context.Request.Path, e.Message);
            var (code, title) = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? (ProblemCodes.BodyTooLarge, "Body too large")
                : (ProblemCodes.BadRequest, "Bad request");
            context.Response.Clear();
            await ProblemResponses.WriteAsync(context, e.StatusCode, code, title, e.Message, false).ConfigureAwait(false);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // The client went away mid-request: nobody is left to answer.
            Logger(context).LogDebug("The client aborted a request to {Path}.", context.Request.Path);
        }
        catch (Exception e) when (!context.Response.HasStarted && GrainCallFailures.IsUnavailable(e))
        {
            // The cluster could not reach a grain (silo gone, no silo with the role, call timed out): retriable elsewhere or later.
            Logger(context).LogWarning("A grain was unavailable for {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, e.Message);
            context.Response.Clear();
            var retryAfter = context.RequestServices.GetRequiredService<IOptions<KcmSiloOptions>>().Value.RetryAfterSeconds;
            var (code, title) = e is TimeoutException ? (ProblemCodes.DeadlineExceeded, "Deadline exceeded") : (ProblemCodes.NotReady, "Not ready");
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, code, title,
                "The cluster could not answer in time: " + e.Message, true, retryAfter).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            Logger(context).LogError(e, "Failed to answer {Method} {Path}.", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await ProblemResponses.WriteAsync(context, StatusCodes.Status500InternalServerError, ProblemCodes.Internal, "Internal error",
                "The silo failed to answer; the failure is logged.", true).ConfigureAwait(false);
        }
    }

    private static Task WriteEmptyStatusAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var (code, title, detail) = status switch
        {
            StatusCodes.Status404NotFound => (ProblemCodes.NotFound, "Not found", $"No endpoint at '{context.Request.Path}'; see /openapi/v1.json."),
            StatusCodes.Status405MethodNotAllowed => (ProblemCodes.MethodNotAllowed, "Method not allowed",
                $"'{context.Request.Path}' does not accept {context.Request.Method}; see the Allow header and /openapi/v1.json."),
            StatusCodes.Status413PayloadTooLarge => (ProblemCodes.BodyTooLarge, "Body too large", "The request body is larger than the silo accepts."),
            StatusCodes.Status415UnsupportedMediaType => (ProblemCodes.UnsupportedMediaType, "Unsupported media type",
                $"Content-Type '{context.Request.ContentType ?? "(none)"}' is not accepted here."),
            >= 500 => (ProblemCodes.Internal, "Internal error", "The silo failed to answer; the failure is logged."),
            _ => (ProblemCodes.BadRequest, "Bad request", "The request was refused."),
        };
        return ProblemResponses.WriteAsync(context, status, code, title, detail, retriable: status >= 500);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProblemStatusPages).FullName!);
}
