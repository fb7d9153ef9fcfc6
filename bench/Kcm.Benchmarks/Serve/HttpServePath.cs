using System.Buffers;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using Kcm.Contracts;

namespace Kcm.Benchmarks.Serve;

/// <summary>
/// The HTTP API over loopback with binary encoding, as another language's client calls it: a plain <see cref="HttpClient"/>
/// posting little-endian float32 rows with their shape header (the wire contract in Kcm.Contracts), one request per batch.
/// </summary>
internal sealed class HttpServePath(HttpClient http, string model) : IServePath
{
    private static readonly MediaTypeHeaderValue OctetStream = new(KcmMediaTypes.OctetStream);

    public string Name => "HTTP";

    public async Task ClassifyAsync(float[] features, int rows, int[] labels, bool[] small, int offset, CancellationToken cancellationToken)
    {
        var featureCount = features.Length / rows;
        // The body is the rows' bytes as they lie in memory (x64 is little-endian, as the contract asks), copied into a
        // pooled buffer: a batch of 32 images is ~100 KB, which would land on the large-object heap every request.
        var bytes = MemoryMarshal.AsBytes(features.AsSpan());
        var body = ArrayPool<byte>.Shared.Rent(bytes.Length);
        try
        {
            bytes.CopyTo(body);
            using var content = new ByteArrayContent(body, 0, bytes.Length);
            content.Headers.ContentType = OctetStream;
            using var request = new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath(model)) { Content = content };
            request.Headers.TryAddWithoutValidation(KcmHeaders.Shape, ShapeHeader.Format(rows, featureCount));
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await ReadAsync(response, rows, labels, small, offset, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private static async Task ReadAsync(HttpResponseMessage response, int rows, int[] labels, bool[] small, int offset, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"infer answered {(int)response.StatusCode}: {problem}", null, response.StatusCode);
        }

        var answer = await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.InferResponse, cancellationToken).ConfigureAwait(false);
        if (answer?.Results is not { } results || results.Length != rows)
        {
            throw new InvalidDataException($"infer answered {answer?.Results?.Length ?? 0} results for a batch of {rows} samples.");
        }

        for (var i = 0; i < rows; i++)
        {
            labels[offset + i] = results[i].Label;
            small[offset + i] = results[i].Route == InferenceRoute.Small;
        }
    }
}
