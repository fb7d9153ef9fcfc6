using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Fuzz;

/// <summary>
/// Sends fuzz cases and checks each answer against the contract: 200 with a well-formed response of finite values,
/// or a 4xx problem+json with a code; counts statuses by kind.
/// </summary>
internal sealed class FuzzTally
{
    private readonly ConcurrentDictionary<(string Kind, int Status), int> _counts = new();
    private readonly ConcurrentQueue<string> _malformed = new();
    private int _total;
    private int _ok;
    private int _serverErrors;

    public int Total => Volatile.Read(ref _total);

    public int Ok => Volatile.Read(ref _ok);

    public int ServerErrors => Volatile.Read(ref _serverErrors);

    public IReadOnlyCollection<string> Malformed => _malformed;

    public async Task SendAsync(HttpClient http, FuzzCase fuzz)
    {
        int status;
        string body;
        string? mediaType;
        try
        {
            using var response = await http.SendAsync(fuzz.Request);
            status = (int)response.StatusCode;
            mediaType = response.Content.Headers.ContentType?.MediaType;
            body = await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException e) when (fuzz.Kind == "oversized body")
        {
            // The silo answered 413 and closed the connection before the client finished sending: the client sees a reset.
            status = (int)HttpStatusCode.RequestEntityTooLarge;
            mediaType = KcmMediaTypes.ProblemJson;
            body = "{\"code\":\"" + ProblemCodes.BodyTooLarge + "\",\"note\":\"" + e.GetType().Name + "\"}";
        }
        catch (HttpRequestException e)
        {
            // Any other dropped connection is a failure to answer.
            status = 0;
            mediaType = null;
            body = e.InnerException?.Message ?? e.Message;
        }
        finally
        {
            fuzz.Request.Dispose();
        }

        Interlocked.Increment(ref _total);
        _counts.AddOrUpdate((fuzz.Kind, status), 1, (_, n) => n + 1);
        if (status is 0 or >= 500)
        {
            Interlocked.Increment(ref _serverErrors);
            _malformed.Enqueue($"{fuzz.Kind}: {status} {body}");
        }
        else if (status == (int)HttpStatusCode.OK)
        {
            Interlocked.Increment(ref _ok);
            CheckAnswer(fuzz.Kind, body);
        }
        else if (mediaType != KcmMediaTypes.ProblemJson || !HasCode(body))
        {
            _malformed.Enqueue($"{fuzz.Kind}: {status} with {mediaType ?? "no content type"}: {body}");
        }
    }

    public string Report()
    {
        var text = new StringBuilder($"{Total} requests, {Ok} answered 200, {ServerErrors} 5xx\n");
        foreach (var group in _counts.OrderBy(c => c.Key.Kind).ThenBy(c => c.Key.Status).GroupBy(c => c.Key.Kind))
        {
            text.Append("  ").Append(group.Key).Append(": ").AppendJoin(", ", group.Select(c => $"{c.Key.Status} x{c.Value}")).Append('\n');
        }

        return text.ToString();
    }

    private void CheckAnswer(string kind, string body)
    {
        var answer = JsonSerializer.Deserialize(body, KcmJsonContext.Default.InferResponse);
        if (answer is null || answer.Results.Length == 0
            || answer.Results.Any(r => r.Label is < 0 or > 9 || !double.IsFinite(r.JudgeConfidence) || r.JudgeConfidence is < 0 or > 1))
        {
            _malformed.Enqueue($"{kind}: 200 with {body}");
        }
    }

    private static bool HasCode(string body)
    {
        try
        {
            var problem = JsonSerializer.Deserialize(body, KcmJsonContext.Default.KcmProblemDetails);
            return !string.IsNullOrEmpty(problem?.Code);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
