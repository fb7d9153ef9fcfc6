using System.Globalization;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Kcm.DeePEn.Models;

/// <summary>
/// A causal language model exported to ONNX the way Hugging Face exports one with a cache: inputs input_ids,
/// attention_mask, optionally position_ids, and past_key_values.N.key/value [batch, heads, past, headDim];
/// outputs logits [batch, sequence, vocabulary] and present.N.key/value. The cache is always fed (empty at
/// the start), so after the prompt each step runs one new token. <see cref="Forward"/> runs one stream;
/// <see cref="ForwardBatch"/> runs several streams, each with its own cache, in one call. Not thread-safe per cache.
/// </summary>
/// <remarks>
/// Every call goes through an IOBinding: the past tensors are OrtValues over the caches' own buffers, and a single
/// stream's present tensors are bound as outputs over its cache's spare buffers, so ONNX Runtime writes the new cache
/// where the next step reads it and nothing is copied out (see <see cref="KeyValueCache"/>).
/// </remarks>
public sealed class CausalLanguageModel : IDisposable
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OnnxCallGate _calls;
    private readonly bool _hasAttentionMask;
    private readonly bool _hasPositionIds;
    private readonly string[] _pastKeyNames;
    private readonly string[] _pastValueNames;
    private readonly string[] _presentKeyNames;
    private readonly string[] _presentValueNames;

    /// <summary>Wraps a loaded session; <paramref name="ownsSession"/> disposes it with this object.</summary>
    public CausalLanguageModel(InferenceSession session, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        var inputs = session.InputMetadata;
        Require(inputs, InputIds, TensorElementType.Int64);
        _hasAttentionMask = Optional(inputs, AttentionMask, TensorElementType.Int64);
        _hasPositionIds = Optional(inputs, PositionIds, TensorElementType.Int64);

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
        _presentKeyNames = new string[layers];
        _presentValueNames = new string[layers];
        var first = inputs[PastName(0, "key")];
        if (first.Dimensions.Length != 4 || first.Dimensions[1] <= 0 || first.Dimensions[3] <= 0)
        {
            throw Mismatch(PastName(0, "key"), "shape [batch, heads, past_sequence, head_dim] with fixed heads and head_dim", OnnxShape.Format(first));
        }

        Heads = first.Dimensions[1];
        HeadDimension = first.Dimensions[3];
        for (var layer = 0; layer < layers; layer++)
        {
            _pastKeyNames[layer] = PastName(layer, "key");
            _pastValueNames[layer] = PastName(layer, "value");
            Require(inputs, _pastKeyNames[layer], TensorElementType.Float);
            Require(inputs, _pastValueNames[layer], TensorElementType.Float);
            _presentKeyNames[layer] = PresentName(layer, "key");
            _presentValueNames[layer] = PresentName(layer, "value");
        }

        var known = new HashSet<string>([InputIds, AttentionMask, PositionIds, .. _pastKeyNames, .. _pastValueNames], StringComparer.Ordinal);
        if (session.InputNames.FirstOrDefault(name => !known.Contains(name)) is { } extra)
        {
            throw Mismatch(extra, "only input_ids, attention_mask, position_ids and past_key_values.N.key/value", $"an input '{extra}'");
        }

        var outputs = session.OutputMetadata;
        foreach (var name in (string[])[Logits, .. _presentKeyNames, .. _presentValueNames])
        {
            if (!outputs.TryGetValue(name, out var output) || output.ElementDataType != TensorElementType.Float)
            {
                throw Mismatch(name, "a float32 output", output is null ? "no such output" : output.ElementDataType.ToString());
            }
        }

        var logits = outputs[Logits].Dimensions;
        VocabularySize = logits.Length == 3 && logits[2] > 0 ? logits[2] : -1;
        Layers = layers;

        // The native run options come last, once nothing above can throw.
        _runOptions = new RunOptions();
        _calls = new OnnxCallGate(() =>
        {
            _runOptions.Dispose();
            if (ownsSession)
            {
                session.Dispose();
            }
        });
    }

    public int Layers { get; }

    /// <summary>Key/value heads per layer (fewer than attention heads under grouped-query attention).</summary>
    public int Heads { get; }

    public int HeadDimension { get; }

    /// <summary>The logits' last dimension as declared; -1 when the export leaves it dynamic.</summary>
    public int VocabularySize { get; private set; }

    public InferenceSession Session => _session;

    /// <summary>Loads a model file as a <see cref="CausalLanguageModel"/> that owns its session.</summary>
    public static CausalLanguageModel Load(string modelPath, OnnxSessionOptions? options = null)
    {
        var session = OnnxSessionLoader.Load(modelPath, options);
        try
        {
            return new CausalLanguageModel(session, ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

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

        _calls.Enter(this);
        try
        {
            return RunOne(tokens, cache);
        }
        finally
        {
            _calls.Exit();
        }
    }

    private float[] RunOne(ReadOnlySpan<long> tokens, KeyValueCache cache)
    {
        var past = cache.Length;
        var count = tokens.Length;
        var positions = new long[count];
        for (var i = 0; i < count; i++)
        {
            positions[i] = past + i;
        }

        var mask = new long[past + count];
        Array.Fill(mask, 1L);
        using var call = new BoundCall(_session);
        call.Input(InputIds, tokens.ToArray(), 1, count);
        if (_hasAttentionMask)
        {
            call.Input(AttentionMask, mask, 1, past + count);
        }

        if (_hasPositionIds)
        {
            call.Input(PositionIds, positions, 1, count);
        }

        call.OutputToCpu(Logits);
        for (var layer = 0; layer < Layers; layer++)
        {
            call.Input(_pastKeyNames[layer], cache.Keys(layer), 1, Heads, past, HeadDimension);
            call.Input(_pastValueNames[layer], cache.Values(layer), 1, Heads, past, HeadDimension);
            call.Output(_presentKeyNames[layer], cache.NextKeys(layer, past + count), 1, Heads, past + count, HeadDimension);
            call.Output(_presentValueNames[layer], cache.NextValues(layer, past + count), 1, Heads, past + count, HeadDimension);
        }

        using var outputs = call.Run(_runOptions);
        var logits = outputs[0];
        var shape = logits.GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[0] != 1 || shape[1] != count)
        {
            throw Mismatch(Logits, $"shape [1, {count}, vocabulary]", OnnxShape.Format(shape));
        }

        VocabularySize = (int)shape[2];
        cache.Advance(past + count);
        return logits.GetTensorDataAsSpan<float>().ToArray();
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
                var streamLogits = Forward(tokens[b].Span, caches[b]);
                separate[b] = lastPositionOnly ? streamLogits[^VocabularySize..] : streamLogits;
            }

            return separate;
        }

        _calls.Enter(this);
        try
        {
            return RunPadded(batch, caches, lastPositionOnly);
        }
        finally
        {
            _calls.Exit();
        }
    }

    private float[][] RunPadded(PaddedBatch batch, IReadOnlyList<KeyValueCache> caches, bool lastPositionOnly)
    {
        var streams = batch.Streams;

        // Pasts are gathered into one batch tensor and presents split back out (padding makes both copies necessary),
        // both in memory ONNX Runtime allocates and frees with the call.
        using var call = new BoundCall(_session);
        call.Input(InputIds, batch.InputIds(), streams, batch.MaxNew);
        if (_hasAttentionMask)
        {
            call.Input(AttentionMask, batch.AttentionMask(), streams, batch.Total);
        }

        if (_hasPositionIds)
        {
            call.Input(PositionIds, batch.PositionIds(), streams, batch.MaxNew);
        }

        call.OutputToCpu(Logits);
        for (var layer = 0; layer < Layers; layer++)
        {
            batch.FillPast(layer, keys: true, call.AllocatedInput(_pastKeyNames[layer], streams, Heads, batch.MaxPast, HeadDimension), Heads, HeadDimension);
            batch.FillPast(layer, keys: false, call.AllocatedInput(_pastValueNames[layer], streams, Heads, batch.MaxPast, HeadDimension), Heads, HeadDimension);
            call.OutputToCpu(_presentKeyNames[layer]);
            call.OutputToCpu(_presentValueNames[layer]);
        }

        using var outputs = call.Run(_runOptions);
        var logits = outputs[0];
        var shape = logits.GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[0] != streams || shape[1] != batch.MaxNew)
        {
            throw Mismatch(Logits, $"shape [{streams}, {batch.MaxNew}, vocabulary]", OnnxShape.Format(shape));
        }

        var presentLength = (long)streams * Heads * batch.Total * HeadDimension;
        for (var i = 1; i < outputs.Count; i++)
        {
            if (outputs[i].GetTensorTypeAndShape().ElementCount != presentLength)
            {
                throw Mismatch(i % 2 == 1 ? _presentKeyNames[(i - 1) / 2] : _presentValueNames[(i - 1) / 2], $"shape [{streams}, {Heads}, {batch.Total}, {HeadDimension}]", OnnxShape.Format(outputs[i].GetTensorTypeAndShape().Shape));
            }
        }

        VocabularySize = (int)shape[2];
        var values = logits.GetTensorDataAsSpan<float>();
        var result = new float[streams][];
        for (var b = 0; b < streams; b++)
        {
            result[b] = batch.LogitsOf(b, values, VocabularySize, lastPositionOnly);
        }

        // Caches change only after every output checked out, so a failed call leaves every stream as it was.
        for (var b = 0; b < streams; b++)
        {
            var length = batch.Past(b) + batch.New(b);
            for (var layer = 0; layer < Layers; layer++)
            {
                batch.CopyPresent(b, outputs[1 + (2 * layer)].GetTensorDataAsSpan<float>(), caches[b].NextKeys(layer, length).Span, Heads, HeadDimension);
                batch.CopyPresent(b, outputs[2 + (2 * layer)].GetTensorDataAsSpan<float>(), caches[b].NextValues(layer, length).Span, Heads, HeadDimension);
            }

            caches[b].Advance(length);
        }

        return result;
    }

    /// <summary>Refuses new calls; the run options (and an owned session) are freed once running calls end.</summary>
    public void Dispose() => _calls.Close();

    private static string PastName(int layer, string part) => string.Create(CultureInfo.InvariantCulture, $"past_key_values.{layer}.{part}");

    private static string PresentName(int layer, string part) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.{part}");

    private static void Require(IReadOnlyDictionary<string, NodeMetadata> inputs, string name, TensorElementType type)
    {
        if (!Optional(inputs, name, type))
        {
            throw Mismatch(name, $"an input '{name}' of {type}", "no such input");
        }
    }

    private static bool Optional(IReadOnlyDictionary<string, NodeMetadata> inputs, string name, TensorElementType type)
    {
        if (!inputs.TryGetValue(name, out var info))
        {
            return false;
        }

        return info.ElementDataType == type ? true : throw Mismatch(name, type.ToString(), info.ElementDataType.ToString());
    }

    private static OnnxTensorMismatchException Mismatch(string name, string expected, string actual) => new(name, expected, actual);
}
