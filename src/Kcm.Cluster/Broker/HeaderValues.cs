using System.Text;

namespace Kcm.Cluster.Broker;

/// <summary>Reads AMQP header values (strings arrive as UTF-8 bytes).</summary>
public static class HeaderValues
{
    public static string? String(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        } : null;

    public static int? Int32(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            int number => number,
            long number when number is >= int.MinValue and <= int.MaxValue => (int)number,
            _ => null,
        } : null;
}
