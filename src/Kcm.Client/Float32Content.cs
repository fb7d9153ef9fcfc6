using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Kcm.Contracts;

namespace Kcm.Client;

/// <summary>An octet-stream body of little-endian float32 values, streamed in pooled chunks (no copy of the whole input).</summary>
internal sealed class Float32Content : HttpContent
{
    private const int ChunkBytes = 64 * 1024;

    private readonly ReadOnlyMemory<float> _values;

    public Float32Content(ReadOnlyMemory<float> values)
    {
        _values = values;
        Headers.ContentType = new MediaTypeHeaderValue(KcmMediaTypes.OctetStream);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            const int FloatsPerChunk = ChunkBytes / sizeof(float);
            for (var offset = 0; offset < _values.Length; offset += FloatsPerChunk)
            {
                var count = Math.Min(FloatsPerChunk, _values.Length - offset);
                var written = Fill(_values.Span.Slice(offset, count), buffer);
                await stream.WriteAsync(buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = (long)_values.Length * sizeof(float);
        return true;
    }

    private static int Fill(ReadOnlySpan<float> values, byte[] buffer)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(buffer);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), values[i]);
            }
        }

        return values.Length * sizeof(float);
    }
}
