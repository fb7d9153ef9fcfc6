using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Kcm.Contracts;
using Microsoft.Net.Http.Headers;

namespace Kcm.Silo.Http;

/// <summary>
/// Reads and validates an infer body, JSON or raw little-endian float32, into an array the grain call's message owns
/// (rows x features, exactly sized). Every refusal is written as a problem naming what is wrong (row and column for a bad value).
/// </summary>
internal static class InferInputReader
{
    /// <summary>The validated input, or null after writing the problem response.</summary>
    public static async Task<InferInput?> ReadAsync(HttpContext context, int featureCount, int maxBatchSize)
    {
        var contentType = context.Request.ContentType;
        if (contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            if (mediaType.MediaType.Equals(KcmMediaTypes.Json, StringComparison.OrdinalIgnoreCase))
            {
                return await ReadJsonAsync(context, featureCount, maxBatchSize).ConfigureAwait(false);
            }

            if (mediaType.MediaType.Equals(KcmMediaTypes.OctetStream, StringComparison.OrdinalIgnoreCase))
            {
                return await ReadBinaryAsync(context, featureCount, maxBatchSize).ConfigureAwait(false);
            }
        }

        await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
            $"Content-Type '{contentType ?? "(none)"}' is not accepted; send {KcmMediaTypes.Json} or {KcmMediaTypes.OctetStream}.", false).ConfigureAwait(false);
        return null;
    }

    private static async Task<InferInput?> ReadJsonAsync(HttpContext context, int featureCount, int maxBatchSize)
    {
        InferRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, KcmJsonContext.Default.InferRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await ProblemResponses.MalformedJsonAsync(context, "The body is not a valid infer request: " + e.Message).ConfigureAwait(false);
            return null;
        }

        if (request?.Inputs is null)
        {
            await ProblemResponses.MalformedJsonAsync(context, "The body must be an object with an 'inputs' array of rows.").ConfigureAwait(false);
            return null;
        }

        var rows = request.Inputs;
        if (!await CheckBatchAsync(context, rows.Length, maxBatchSize).ConfigureAwait(false))
        {
            return null;
        }

        for (var i = 0; i < rows.Length; i++)
        {
            var length = rows[i]?.Length ?? 0;
            if (length != featureCount)
            {
                await WrongFeatureCountAsync(context, $"Row {i} has {length} features; the model takes {featureCount}.").ConfigureAwait(false);
                return null;
            }
        }

        var buffer = new float[rows.Length * featureCount];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(buffer, i * featureCount);
        }

        return await FinishAsync(context, buffer, rows.Length, featureCount, request.ReturnProbabilities).ConfigureAwait(false);
    }

    private static async Task<InferInput?> ReadBinaryAsync(HttpContext context, int featureCount, int maxBatchSize)
    {
        var shape = context.Request.Headers[KcmHeaders.Shape].ToString();
        if (!ShapeHeader.TryParse(shape, out var batchSize, out var features))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedShape, "Malformed shape",
                $"A binary body needs the header {KcmHeaders.Shape}: <batch>,<features> with positive numbers (got '{shape}').", false).ConfigureAwait(false);
            return null;
        }

        if (features != featureCount)
        {
            await WrongFeatureCountAsync(context, $"{KcmHeaders.Shape} says {features} features per sample; the model takes {featureCount}.").ConfigureAwait(false);
            return null;
        }

        if (!await CheckBatchAsync(context, batchSize, maxBatchSize).ConfigureAwait(false))
        {
            return null;
        }

        var expected = batchSize * featureCount * sizeof(float);
        var bytes = ArrayPool<byte>.Shared.Rent(expected + 1);
        try
        {
            // One byte more than the shape says, to notice a body that is too long without reading all of it.
            var read = await context.Request.Body.ReadAtLeastAsync(bytes.AsMemory(0, expected + 1), expected + 1, throwOnEndOfStream: false, context.RequestAborted)
                .ConfigureAwait(false);
            if (read != expected)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedShape, "Malformed shape",
                    $"The body has {(read > expected ? "more than " + expected.ToString(CultureInfo.InvariantCulture) : read.ToString(CultureInfo.InvariantCulture))} bytes; "
                    + $"shape {batchSize},{featureCount} of float32 needs exactly {expected}.", false).ConfigureAwait(false);
                return null;
            }

            var buffer = new float[batchSize * featureCount];
            var values = buffer.AsSpan();
            MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, expected)).CopyTo(values);
            if (!BitConverter.IsLittleEndian)
            {
                var raw = MemoryMarshal.Cast<float, int>(values);
                System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(raw, raw);
            }

            var probabilities = bool.TryParse(context.Request.Headers[KcmHeaders.ReturnProbabilities].ToString(), out var wanted) && wanted;
            return await FinishAsync(context, buffer, batchSize, featureCount, probabilities).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static async Task<InferInput?> FinishAsync(HttpContext context, float[] buffer, int batchSize, int featureCount, bool returnProbabilities)
    {
        var values = buffer.AsSpan(0, batchSize * featureCount);
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                var value = values[i];
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.NonFiniteValue, "Non-finite value",
                    $"Row {i / featureCount}, feature {i % featureCount} is {value.ToString(CultureInfo.InvariantCulture)}; every value must be a finite number.",
                    false).ConfigureAwait(false);
                return null;
            }
        }

        return new InferInput(buffer, batchSize, returnProbabilities);
    }

    private static async Task<bool> CheckBatchAsync(HttpContext context, int batchSize, int maxBatchSize)
    {
        if (batchSize == 0)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.EmptyBatch, "Empty batch",
                "The batch has no samples; send at least one.", false).ConfigureAwait(false);
            return false;
        }

        if (batchSize > maxBatchSize)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.BatchTooLarge, "Batch too large",
                $"The batch has {batchSize} samples; at most {maxBatchSize} are accepted per request.", false).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private static Task WrongFeatureCountAsync(HttpContext context, string detail) =>
        ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.WrongFeatureCount, "Wrong feature count", detail, false);
}
