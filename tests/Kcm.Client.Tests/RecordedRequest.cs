namespace Kcm.Client.Tests;

/// <summary>What the fake handler saw of one request (the body is read before the client disposes it).</summary>
internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
