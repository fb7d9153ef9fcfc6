using System.Buffers;
using System.Globalization;

namespace Kcm.Metrics;

/// <summary>Writes UTF-8 pieces of the text format straight into an <see cref="IBufferWriter{T}"/>.</summary>
internal readonly struct PrometheusTextWriter(IBufferWriter<byte> output)
{
    public void Write(ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    public void Write(long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>A sample value or bound: shortest round-trip form, with Prometheus' spellings of infinities and NaN.</summary>
    public void Write(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            Write("+Inf"u8);
        }
        else if (double.IsNegativeInfinity(value))
        {
            Write("-Inf"u8);
        }
        else if (double.IsNaN(value))
        {
            Write("NaN"u8);
        }
        else
        {
            var span = output.GetSpan(32);
            value.TryFormat(span, out var written, "R", CultureInfo.InvariantCulture);
            output.Advance(written);
        }
    }

    /// <summary>Formats a bound as <see cref="Write(double)"/> does, for pre-rendered <c>le</c> labels.</summary>
    public static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);
}
