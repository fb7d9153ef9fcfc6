using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kcm.Silo.Http;

/// <summary>
/// Writes server-sent events (<c>event: name</c>, one <c>data:</c> line of compact JSON, a blank line) and flushes each,
/// so a client sees every event as soon as it is produced. JSON escapes line breaks, so one data line always suffices.
/// </summary>
internal sealed class ServerSentEventWriter(PipeWriter output) : IDisposable
{
    private readonly Utf8JsonWriter _json = new(output);

    public async ValueTask WriteAsync<T>(string name, T payload, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        WriteEvent(name, payload, type);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _json.Dispose();

    private void WriteEvent<T>(string name, T payload, JsonTypeInfo<T> type)
    {
        output.Write("event: "u8);
        Encoding.UTF8.GetBytes(name.AsSpan(), output);
        output.Write("\ndata: "u8);
        _json.Reset(output);
        JsonSerializer.Serialize(_json, payload, type);
        output.Write("\n\n"u8);
    }
}
