using System.Globalization;
using System.Runtime.InteropServices;

namespace Kcm.Core.Graphs;

/// <summary>
/// Builds a small ONNX model (IR 8, opset 17) node by node and writes its protobuf bytes: float32 graph inputs with a
/// symbolic batch axis, float32/int64 constants as initializers, and nodes with int, float and ints attributes.
/// Enough for the judge and small-model graphs; not a general ONNX writer.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private const long IrVersion = 8;
    private const long Opset = 17;
    private const int FloatType = 1;
    private const int Int64Type = 7;

    private readonly List<Action<ProtobufWriter>> _nodes = [];
    private readonly List<Action<ProtobufWriter>> _initializers = [];
    private readonly List<Action<ProtobufWriter>> _inputs = [];
    private readonly List<Action<ProtobufWriter>> _outputs = [];
    private readonly string _name;
    private int _next;

    public OnnxGraphBuilder(string name) => _name = name;

    /// <summary>A float32 graph input; a null dimension is the symbolic "batch".</summary>
    public string Input(string name, params int?[] shape)
    {
        _inputs.Add(w => ValueInfo(w, name, shape));
        return name;
    }

    /// <summary>A float32 graph output.</summary>
    public void Output(string name, params int?[] shape) => _outputs.Add(w => ValueInfo(w, name, shape));

    /// <summary>A float32 constant of the given shape.</summary>
    public string Constant(float[] values, params int[] shape)
    {
        var name = Fresh("const");
        _initializers.Add(w =>
        {
            w.PackedVarints(1, shape.Select(d => (long)d));
            w.Varint(2, FloatType);
            w.String(8, name);
            w.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        });
        return name;
    }

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(float value) => Constant([value]);

    /// <summary>An int64 constant of the given shape (shapes for Reshape, indices).</summary>
    public string Int64Constant(long[] values, params int[] shape)
    {
        var name = Fresh("const");
        _initializers.Add(w =>
        {
            w.PackedVarints(1, shape.Select(d => (long)d));
            w.Varint(2, Int64Type);
            w.String(8, name);
            w.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        });
        return name;
    }

    /// <summary>Adds a node and returns its (first) output's name; <paramref name="output"/> names it when given.</summary>
    public string Node(string op, string[] inputs, IReadOnlyDictionary<string, object>? attributes = null, string? output = null)
    {
        var result = output ?? Fresh(op.ToLowerInvariant());
        _nodes.Add(w =>
        {
            foreach (var input in inputs)
            {
                w.String(1, input);
            }

            w.String(2, result);
            w.String(3, result + "_node");
            w.String(4, op);
            foreach (var (name, value) in attributes ?? new Dictionary<string, object>())
            {
                w.Message(5, a => Attribute(a, name, value));
            }
        });
        return result;
    }

    public string Node(string op, params string[] inputs) => Node(op, inputs, null);

    /// <summary>The model's protobuf bytes.</summary>
    public byte[] ToBytes()
    {
        var model = new ProtobufWriter();
        model.Varint(1, IrVersion);
        model.String(2, "kcm");
        model.Message(7, graph =>
        {
            foreach (var node in _nodes)
            {
                graph.Message(1, node);
            }

            graph.String(2, _name);
            foreach (var initializer in _initializers)
            {
                graph.Message(5, initializer);
            }

            foreach (var input in _inputs)
            {
                graph.Message(11, input);
            }

            foreach (var output in _outputs)
            {
                graph.Message(12, output);
            }
        });
        model.Message(8, opset =>
        {
            opset.String(1, string.Empty);
            opset.Varint(2, Opset);
        });
        return model.ToArray();
    }

    private string Fresh(string prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}_{_next++}");

    private static void ValueInfo(ProtobufWriter w, string name, int?[] shape)
    {
        w.String(1, name);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Varint(1, FloatType);
            tensor.Message(2, dims =>
            {
                foreach (var dim in shape)
                {
                    dims.Message(1, d =>
                    {
                        if (dim is { } size)
                        {
                            d.Varint(1, size);
                        }
                        else
                        {
                            d.String(2, "batch");
                        }
                    });
                }
            });
        }));
    }

    private static void Attribute(ProtobufWriter w, string name, object value)
    {
        w.String(1, name);
        switch (value)
        {
            case float f:
                w.Float(2, f);
                w.Varint(20, 1);
                break;
            case int i:
                w.Varint(3, i);
                w.Varint(20, 2);
                break;
            case long l:
                w.Varint(3, l);
                w.Varint(20, 2);
                break;
            case long[] ints:
                w.PackedVarints(8, ints);
                w.Varint(20, 7);
                break;
            default:
                throw new ArgumentException($"Attribute '{name}' has an unsupported type {value.GetType().Name}.", nameof(value));
        }
    }
}
