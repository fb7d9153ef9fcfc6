using System.Text;

namespace Kcm.Client;

/// <summary>
/// Reads server-sent events from a response body as they arrive (the text/event-stream format: <c>field: value</c>
/// lines, events ended by a blank line, comments starting with ':'; lines end in LF, CRLF or CR).
/// </summary>
internal sealed class ServerSentEventReader(Stream body)
{
    private const string DefaultName = "message";

    private readonly StreamReader _lines = new(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
    private readonly StringBuilder _data = new();

    /// <summary>The next event, or null at the end of the body (an unfinished last event is dropped, as the format says).</summary>
    public async ValueTask<ServerSentEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? name = null;
        var hasData = false;
        _data.Clear();
        while (await _lines.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    return new ServerSentEvent(name ?? DefaultName, _data.ToString());
                }

                name = null;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    name = value;
                    break;
                case "data":
                    if (hasData)
                    {
                        _data.Append('\n');
                    }

                    _data.Append(value);
                    hasData = true;
                    break;
            }
        }

        return null;
    }
}
