using System.Buffers;
using System.Globalization;
using Kcm.Onnx;

namespace Kcm.DeePEn.Models;

/// <summary>
/// A causal language model exported to ONNX the way Hugging Face exports one with a cache: inputs input_ids,
/// attention_mask, optionally position_ids, and past_key_values.N.key/value [batch, heads, past, headDim];
/// outputs logits [batch, sequence, vocabulary] and present.N.key/value. The cache is always fed (empty at
/// the start), so after the prompt each step runs one new token. <see cref="Forward"/> runs one stream;
/// <see cref="ForwardBatch"/> runs several streams, each with its own cache, in one call. Not thread-safe per cache.
/// </summary>
public sealed class CausalLanguageModel : IDisposable
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";

    private readonly OnnxSession _session;
    private readonly bool _ownsSession;
    private readonly bool _hasAttentionMask;
    private readonly bool _hasPositionIds;
    private readonly string[] _pastKeyNames;
    private readonly string[] _pastValueNames;
    private readonly string[] _outputNames;

    /// <summary>Wraps a loaded session; <paramref name="ownsSession"/> disposes it with this object.</summary>
    public CausalLanguageModel(OnnxSession session, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _ownsSession = ownsSession;
        var inputs = session.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        Require(inputs, InputIds, OnnxElementType.Int64);
        _hasAttentionMask = Optional(inputs, AttentionMask, OnnxElementType.Int64);
        _hasPositionIds = Optional(inputs, PositionIds, OnnxElementType.Int64);

        var layers = 0;
        while (inputs.ContainsKey(PastName(layers, "key")))
        {
            layers++;
        }

        if (layers == 0)
        {
            throw Mismatch("past_key_values.0.key", "a key/value cache input (past_key_values.N.key/value)", "none");
        }

        _pastKeyNames = new string[layers];
        _pastValueNames = new string[layers];
        _outputNames = new string[1 + (2 * layers)];
        _outputNames[0] = Logits;
        var first = inputs[PastName(0, "key")];
        if (first.Rank != 4 || first.Shape[1] <= 0 || first.Shape[3] <= 0)
        {
            throw Mismatch(first.Name, "shape [batch, heads, past_sequence, head_dim] with fixed heads and head_dim", first.FormatShape());
        }

        Heads = (int)first.Shape[1];
        HeadDimension = (int)first.Shape[3];
        for (var layer = 0; layer < layers; layer++)
        {
            _pastKeyNames[layer] = PastName(layer, "key");
            _pastValueNames[layer] = PastName(layer, "value");
            Require(inputs, _pastKeyNames[layer], OnnxElementType.Float);
            Require(inputs, _pastValueNames[layer], OnnxElementType.Float);
            _outputNames[1 + (2 * layer)] = PresentName(layer, "key");
            _outputNames[2 + (2 * layer)] = PresentName(layer, "value");
        }

        var known = new HashSet<string>([InputIds, AttentionMask, PositionIds, .. _pastKeyNames, .. _pastValueNames], StringComparer.Ordinal);
        if (session.Inputs.FirstOrDefault(i => !known.Contains(i.Name)) is { } extra)
        {
            throw Mismatch(extra.Name, "only input_ids, attention_mask, position_ids and past_key_values.N.key/value", $"an input '{extra.Name}'");
        }

        var outputs = session.Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        foreach (var name in _outputNames)
        {
            if (!outputs.TryGetValue(name, out var output) || output.ElementType != OnnxElementType.Float)
            {
                throw Mismatch(name, "a float32 output", output is null ? "no such output" : output.ElementType.ToString());
            }
        }

        var logits = outputs[Logits];
        VocabularySize = logits.Rank == 3 && logits.Shape[2] > 0 ? (int)logits.Shape[2] : -1;
        Layers = layers;
    }

    public int Layers { get; }

    /// <summary>Key/value heads per layer (fewer than attention heads under grouped-query attention).</summary>
    public int Heads { get; }

    public int HeadDimension { get; }

    /// <summary>The logits' last dimension as declared; -1 when the export leaves it dynamic.</summary>
    public int VocabularySize { get; private set; }

    public OnnxSession Session => _session;

    /// <summary>Loads a model file as a <see cref="CausalLanguageModel"/> that owns its session.</summary>
    public static CausalLanguageModel Load(string modelPath, OnnxSessionOptions? options = null) =>
        new(OnnxSession.Load(modelPath, options), ownsSession: true);

    public KeyValueCache CreateCache() => new(Layers, Heads, HeadDimension);

    /// <summary>
    /// Runs <paramref name="tokens"/> after the cache's tokens, appends them to the cache, and returns the logits of
    /// every new position ([tokens.Length, vocabulary], row-major).
    /// </summary>
    public float[] Forward(ReadOnlySpan<long> tokens, KeyValueCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("At least one token is needed.", nameof(tokens));
        }

        if (cache.Layers != Layers || cache.Heads != Heads || cache.HeadDimension != HeadDimension)
        {
            throw new ArgumentException("The cache was made for another model.", nameof(cache));
        }

        var past = cache.Length;
        var count = tokens.Length;
        var inputs = new List<OnnxInputTensor>(3 + (2 * Layers)) { OnnxInputTensor.Int64(InputIds, tokens.ToArray(), 1, count) };
        if (_hasAttentionMask)
        {
            var mask = new long[past + count];
            Array.Fill(mask, 1L);
            inputs.Add(OnnxInputTensor.Int64(AttentionMask, mask, 1, past + count));
        }

        if (_hasPositionIds)
        {
            var positions = new long[count];
            for (var i = 0; i < count; i++)
            {
                positions[i] = past + i;
            }

            inputs.Add(OnnxInputTensor.Int64(PositionIds, positions, 1, count));
        }

        for (var layer = 0; layer < Layers; layer++)
        {
            inputs.Add(OnnxInputTensor.Float(_pastKeyNames[layer], cache.Keys(layer), 1, Heads, past, HeadDimension));
            inputs.Add(OnnxInputTensor.Float(_pastValueNames[layer], cache.Values(layer), 1, Heads, past, HeadDimension));
        }

        var outputs = _session.Run(inputs, _outputNames);
        var logits = outputs[0];
        if (logits.Shape.Count != 3 || logits.Shape[0] != 1 || logits.Shape[1] != count)
        {
            throw Mismatch(Logits, $"shape [1, {count}, vocabulary]", "[" + string.Join(", ", logits.Shape) + "]");
        }

        VocabularySize = (int)logits.Shape[2];
        for (var layer = 0; layer < Layers; layer++)
        {
            cache.Replace(layer, outputs[1 + (2 * layer)].Values, outputs[2 + (2 * layer)].Values, past + count);
        }

        return logits.Values;
    }

    /// <summary>
    /// Runs each stream's new tokens after its own cache in one native call and appends them to that cache; returns,
    /// per stream, the logits of every new position ([tokens[b].Length, vocabulary], row-major). Pasts and new-token
    /// counts may differ (see <see cref="PaddedBatch"/>): pasts are left-padded and new tokens right-padded with
    /// attention_mask 0, position_ids are each row's true positions, and the pads' present entries are dropped.
    /// </summary>
    /// <remarks>
    /// Padding needs an attention_mask input, and a past left-padded needs position_ids (otherwise the model would
    /// count the pads as positions): a model without them runs streams of unequal lengths one by one.
    /// </remarks>
    public float[][] ForwardBatch(IReadOnlyList<ReadOnlyMemory<long>> tokens, IReadOnlyList<KeyValueCache> caches) =>
        RunBatch(tokens, caches, lastPositionOnly: false);

    /// <summary>As <see cref="ForwardBatch"/>, returning only each stream's next-token logits ([vocabulary] per stream).</summary>
    public float[][] NextTokenLogitsBatch(IReadOnlyList<ReadOnlyMemory<long>> tokens, IReadOnlyList<KeyValueCache> caches) =>
        RunBatch(tokens, caches, lastPositionOnly: true);

    /// <summary>The logits of the position after <paramref name="tokens"/> (the next-token logits), updating the cache.</summary>
    public float[] NextTokenLogits(ReadOnlySpan<long> tokens, KeyValueCache cache)
    {
        var all = Forward(tokens, cache);
        return all[^VocabularySize..];
    }

    private float[][] RunBatch(IReadOnlyList<ReadOnlyMemory<long>> tokens, IReadOnlyList<KeyValueCache> caches, bool lastPositionOnly)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(caches);
        if (tokens.Count == 0 || tokens.Count != caches.Count)
        {
            throw new ArgumentException($"One cache per stream is needed ({tokens.Count} streams, {caches.Count} caches).", nameof(caches));
        }

        var seen = new HashSet<KeyValueCache>(ReferenceEqualityComparer.Instance);
        for (var b = 0; b < tokens.Count; b++)
        {
            if (tokens[b].IsEmpty)
            {
                throw new ArgumentException($"Stream {b} has no new token.", nameof(tokens));
            }

            var cache = caches[b] ?? throw new ArgumentException($"Stream {b} has no cache.", nameof(caches));
            if (cache.Layers != Layers || cache.Heads != Heads || cache.HeadDimension != HeadDimension)
            {
                throw new ArgumentException($"Stream {b}'s cache was made for another model.", nameof(caches));
            }

            if (!seen.Add(cache))
            {
                throw new ArgumentException($"Stream {b} shares its cache with another stream.", nameof(caches));
            }
        }

        var batch = new PaddedBatch(tokens, caches);
        if (!batch.IsUniform && (!_hasAttentionMask || (!_hasPositionIds && !batch.HasUniformPast)))
        {
            var separate = new float[tokens.Count][];
            for (var b = 0; b < tokens.Count; b++)
            {
                var logits = Forward(tokens[b].Span, caches[b]);
                separate[b] = lastPositionOnly ? logits[^VocabularySize..] : logits;
            }

            return separate;
        }

        var streams = batch.Streams;
        var inputs = new List<OnnxInputTensor>(3 + (2 * Layers)) { OnnxInputTensor.Int64(InputIds, batch.InputIds(), streams, batch.MaxNew) };
        if (_hasAttentionMask)
        {
            inputs.Add(OnnxInputTensor.Int64(AttentionMask, batch.AttentionMask(), streams, batch.Total));
        }

        if (_hasPositionIds)
        {
            inputs.Add(OnnxInputTensor.Int64(PositionIds, batch.PositionIds(), streams, batch.MaxNew));
        }

        var pastLength = streams * Heads * batch.MaxPast * HeadDimension;
        var rented = new float[2 * Layers][];
        try
        {
            for (var layer = 0; layer < Layers; layer++)
            {
                for (var part = 0; part < 2; part++)
                {
                    var buffer = rented[(2 * layer) + part] = ArrayPool<float>.Shared.Rent(Math.Max(1, pastLength));
                    batch.FillPast(layer, keys: part == 0, buffer.AsSpan(0, pastLength), Heads, HeadDimension);
                    var name = part == 0 ? _pastKeyNames[layer] : _pastValueNames[layer];
                    inputs.Add(OnnxInputTensor.Float(name, buffer.AsMemory(0, pastLength), streams, Heads, batch.MaxPast, HeadDimension));
                }
            }

            var outputs = _session.Run(inputs, _outputNames);
            var logits = outputs[0];
            if (logits.Shape.Count != 3 || logits.Shape[0] != streams || logits.Shape[1] != batch.MaxNew)
            {
                throw Mismatch(Logits, $"shape [{streams}, {batch.MaxNew}, vocabulary]", "[" + string.Join(", ", logits.Shape) + "]");
            }

            VocabularySize = (int)logits.Shape[2];
            for (var layer = 0; layer < Layers; layer++)
            {
                var keys = outputs[1 + (2 * layer)];
                var values = outputs[2 + (2 * layer)];
                if (keys.Values.Length != streams * Heads * batch.Total * HeadDimension || values.Values.Length != keys.Values.Length)
                {
                    throw Mismatch(keys.Name, $"shape [{streams}, {Heads}, {batch.Total}, {HeadDimension}]", "[" + string.Join(", ", keys.Shape) + "]");
                }
            }

            var result = new float[streams][];
            for (var b = 0; b < streams; b++)
            {
                result[b] = batch.LogitsOf(b, logits.Values, VocabularySize, lastPositionOnly);
            }

            // Caches change only after every output checked out, so a failed call leaves every stream as it was.
            for (var b = 0; b < streams; b++)
            {
                var length = batch.Past(b) + batch.New(b);
                for (var layer = 0; layer < Layers; layer++)
                {
                    caches[b].Replace(
                        layer,
                        batch.PresentOf(b, outputs[1 + (2 * layer)].Values, Heads, HeadDimension),
                        batch.PresentOf(b, outputs[2 + (2 * layer)].Values, Heads, HeadDimension),
                        length);
                }
            }

            return result;
        }
        finally
        {
            foreach (var buffer in rented)
            {
                if (buffer is not null)
                {
                    ArrayPool<float>.Shared.Return(buffer);
                }
            }
        }
    }

    public void Dispose()
    {
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }

    private static string PastName(int layer, string part) => string.Create(CultureInfo.InvariantCulture, $"past_key_values.{layer}.{part}");

    private static string PresentName(int layer, string part) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.{part}");

    private static void Require(Dictionary<string, OnnxTensorInfo> inputs, string name, OnnxElementType type)
    {
        if (!Optional(inputs, name, type))
        {
            throw Mismatch(name, $"an input '{name}' of {type}", "no such input");
        }
    }

    private static bool Optional(Dictionary<string, OnnxTensorInfo> inputs, string name, OnnxElementType type)
    {
        if (!inputs.TryGetValue(name, out var info))
        {
            return false;
        }

        return info.ElementType == type ? true : throw Mismatch(name, type.ToString(), info.ElementType.ToString());
    }

    private static OnnxTensorMismatchException Mismatch(string name, string expected, string actual) => new(name, expected, actual);
}
