using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Fuzz;

/// <summary>
/// Generates infer requests a careless or hostile client might send: raw 0-255 images, values near +-float.MaxValue,
/// NaN and infinity in JSON and in binary, wrong shapes and types, oversized and truncated bodies, wrong content
/// types, wrong methods and paths, plus well-formed requests in between. Repeatable for a seed.
/// </summary>
internal sealed class FuzzRequests(int seed, int features, int maxBatch, int maxBodyBytes, IReadOnlyList<float[]> images)
{
    private static readonly string[] MediaTypes = ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin1", "image/png"];
    private static readonly string[] JsonJunk = ["NaN", "Infinity", "-Infinity", "\"NaN\"", "\"0.5\"", "null", "true", "{}", "[]", "1e39", "-1e39", "0x10", "1_000"];

    private readonly Random _random = new(seed);
    private readonly string _infer = KcmRoutes.InferPath(KcmRoutes.DefaultModel);

    public FuzzCase Next() => _random.Next(20) switch
    {
        0 or 1 => new("valid json", Json(Rows(Batch(), Image))),
        2 => new("valid binary", Binary(Rows(Batch(), Image), shape: null)),
        3 => new("raw 0-255 json", Json(Rows(Batch(), () => Scaled(Image(), 255f)))),
        4 => new("raw 0-255 binary", Binary(Rows(Batch(), () => Scaled(Image(), 255f)), shape: null)),
        5 => new("extreme finite json", Json(Rows(Batch(), Extreme))),
        6 => new("extreme finite binary", Binary(Rows(Batch(), Extreme), shape: null)),
        7 => new("non-finite binary", Binary(Rows(Batch(), NonFinite), shape: null)),
        8 => new("non-finite json literal", JsonText(JsonWithJunk())),
        9 => new("wrong row length", Json(Rows(Batch(), () => Uniform(_random.Next(0, features * 2))))),
        10 => new("wrong shape header", Binary(Rows(Batch(), Image), shape: WrongShape())),
        11 => new("wrong types", JsonText(WrongTypes())),
        12 => new("truncated json", JsonText(Truncate(JsonBody(Rows(Batch(), Image))))),
        13 => new("truncated binary", BinaryBytes(Truncate(Bytes(Rows(Batch(), Image))), $"{maxBatch},{features}")),
        14 => new("oversized body", Oversized()),
        15 => new("wrong content type", Body(Encoding.UTF8.GetBytes(JsonBody(Rows(1, Image))), MediaTypes[_random.Next(MediaTypes.Length)])),
        16 => new("no content type", new HttpRequestMessage(HttpMethod.Post, _infer) { Content = new ByteArrayContent([1, 2, 3]) }),
        17 => new("batch size out of range", _random.Next(2) == 0 ? JsonText("{\"inputs\": []}") : Json(Rows(maxBatch + 1, () => Uniform(features)))),
        18 => new("wrong method or path", WrongMethodOrPath()),
        _ => new("random bytes", Body(RandomBytes(_random.Next(0, 4096)), _random.Next(2) == 0 ? KcmMediaTypes.Json : KcmMediaTypes.OctetStream)),
    };

    /// <summary>A request every silo must answer 200 (a well-formed batch of real images).</summary>
    public HttpRequestMessage Valid(IReadOnlyList<float[]> rows) => Json([.. rows]);

    private int Batch() => 1 + _random.Next(Math.Min(4, maxBatch));

    private float[] Image() => images[_random.Next(images.Count)];

    private float[][] Rows(int count, Func<float[]> row) => [.. Enumerable.Range(0, count).Select(_ => row())];

    private static float[] Scaled(float[] image, float by) => [.. image.Select(v => v * by)];

    private float[] Uniform(int count) => [.. Enumerable.Range(0, count).Select(_ => _random.NextSingle())];

    /// <summary>Finite values that overflow a model: +-3e38, 1e30 in one pixel, or every pixel >= 5.</summary>
    private float[] Extreme() => _random.Next(4) switch
    {
        0 => [.. Enumerable.Range(0, features).Select(_ => _random.Next(2) == 0 ? 3e38f : -3e38f)],
        1 => [.. Image().Select((v, i) => i == 0 ? 1e30f : v)],
        2 => [.. Enumerable.Range(0, features).Select(_ => 5f + (_random.NextSingle() * 1000f))],
        _ => [.. Enumerable.Range(0, features).Select(_ => (_random.NextSingle() - 0.5f) * 2e38f)],
    };

    private float[] NonFinite()
    {
        var row = (float[])Image().Clone();
        row[_random.Next(features)] = _random.Next(3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
        return row;
    }

    private string JsonWithJunk()
    {
        var values = Image().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray();
        values[_random.Next(values.Length)] = JsonJunk[_random.Next(JsonJunk.Length)];
        return "{\"inputs\": [[" + string.Join(",", values) + "]]}";
    }

    private string WrongTypes() => _random.Next(6) switch
    {
        0 => "{\"inputs\": \"not rows\"}",
        1 => "{\"inputs\": [1, 2, 3]}",
        2 => "{\"inputs\": [null]}",
        3 => "{\"inputs\": [[{\"x\": 1}]], \"return_probabilities\": \"yes\"}",
        4 => "{\"inputs\": [[" + string.Join(",", Enumerable.Repeat("true", features)) + "]]}",
        _ => "[[0.5]]",
    };

    private string? WrongShape() => _random.Next(5) switch
    {
        0 => null,
        1 => "banana",
        2 => "1," + (features + 1).ToString(CultureInfo.InvariantCulture),
        3 => "-1,784",
        _ => "99999999999,784",
    };

    private HttpRequestMessage Oversized()
    {
        var size = maxBodyBytes + 1 + _random.Next(maxBodyBytes);
        return _random.Next(2) == 0
            ? Body(Encoding.UTF8.GetBytes("{\"inputs\": [[" + new string('1', size) + "]]}"), KcmMediaTypes.Json)
            : BinaryBytes(RandomBytes(size), $"{size / (features * 4)},{features}");
    }

    private HttpRequestMessage WrongMethodOrPath() => _random.Next(5) switch
    {
        0 => new HttpRequestMessage(HttpMethod.Get, _infer),
        1 => new HttpRequestMessage(HttpMethod.Delete, _infer),
        2 => new HttpRequestMessage(HttpMethod.Post, KcmRoutes.InferPath("no-such-model")) { Content = new StringContent("{}", Encoding.UTF8, KcmMediaTypes.Json) },
        3 => new HttpRequestMessage(HttpMethod.Put, KcmRoutes.ThresholdPath(KcmRoutes.DefaultModel)) { Content = new StringContent("{\"epsilon\": \"x\"}", Encoding.UTF8, KcmMediaTypes.Json) },
        _ => new HttpRequestMessage(HttpMethod.Get, "/v1/" + new string('a', _random.Next(1, 300))),
    };

    private byte[] Truncate(byte[] body) => body[..(body.Length <= 1 ? 0 : _random.Next(1, body.Length))];

    private string Truncate(string body) => body[..(body.Length <= 1 ? 0 : _random.Next(1, body.Length))];

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private HttpRequestMessage Json(float[][] rows) => JsonText(JsonBody(rows));

    private static string JsonBody(float[][] rows)
    {
        // Written by hand so +-3e38 go out as the numbers they are (R format round-trips every finite float).
        var text = new StringBuilder("{\"inputs\": [");
        for (var r = 0; r < rows.Length; r++)
        {
            text.Append(r == 0 ? "[" : ",[");
            text.AppendJoin(",", rows[r].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            text.Append(']');
        }

        return text.Append("]}").ToString();
    }

    private HttpRequestMessage JsonText(string json) => Body(Encoding.UTF8.GetBytes(json), KcmMediaTypes.Json);

    private HttpRequestMessage Binary(float[][] rows, string? shape) =>
        BinaryBytes(Bytes(rows), shape ?? ShapeHeader.Format(rows.Length, rows.Length == 0 ? features : rows[0].Length));

    private static byte[] Bytes(float[][] rows) => MemoryMarshal.AsBytes(rows.SelectMany(r => r).ToArray().AsSpan()).ToArray();

    private HttpRequestMessage BinaryBytes(byte[] body, string? shape)
    {
        var request = Body(body, KcmMediaTypes.OctetStream);
        if (shape is not null)
        {
            request.Content!.Headers.TryAddWithoutValidation(KcmHeaders.Shape, shape);
        }

        return request;
    }

    private HttpRequestMessage Body(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
        return new HttpRequestMessage(HttpMethod.Post, _infer) { Content = content };
    }
}
