using System.Globalization;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;

namespace Kcm.Core.Graphs;

/// <summary>
/// Builds the ONNX graph of a small model (MLP) or judge (KAN) architecture, computing what the C# forward pass
/// computes, in the same order where it matters for float32: Gemm layers for the MLP; for the KAN, average pooling as a
/// product with a fixed pooling matrix, then per layer the clamped grid position, the k + 1 non-zero B-spline values by
/// the same Cox-de Boor recursion as <see cref="BSplineBasis"/>, placed by one-hot of the interval, and
/// y = basis · spline_weightᵀ + SiLU(x) · base_weightᵀ.
/// </summary>
public static class ClassifierGraphs
{
    /// <summary>The graph for an "mlp:..." or "kan:..." architecture text.</summary>
    public static ClassifierGraph For(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.StartsWith(MlpNetwork.ArchitecturePrefix, StringComparison.Ordinal))
        {
            return Mlp(MlpNetwork.Parse(architecture));
        }

        if (architecture.StartsWith(KanArchitecture.ArchitecturePrefix, StringComparison.Ordinal))
        {
            return Kan(KanArchitecture.Parse(architecture));
        }

        throw new FormatException($"Unknown classifier architecture '{architecture}' (expected 'mlp:...' or 'kan:...').");
    }

    public static ClassifierGraph Mlp(MlpNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var graph = new OnnxGraphBuilder("mlp");
        var weights = new List<(string, int[])>();
        var x = graph.Input(ClassifierGraph.FeaturesInput, null, network.InputSize);
        var widths = network.Widths;
        for (var l = 0; l < widths.Count - 1; l++)
        {
            var weight = $"layers.{l}.weight";
            var bias = $"layers.{l}.bias";
            graph.Input(weight, widths[l + 1], widths[l]);
            graph.Input(bias, widths[l + 1]);
            weights.Add((weight, [widths[l + 1], widths[l]]));
            weights.Add((bias, [widths[l + 1]]));
            var last = l == widths.Count - 2;
            var y = graph.Node("Gemm", [x, weight, bias], new Dictionary<string, object> { ["transB"] = 1 }, last ? ClassifierGraph.LogitsOutput : null);
            x = last ? y : graph.Node("Relu", y);
        }

        graph.Output(ClassifierGraph.LogitsOutput, null, network.ClassCount);
        return new ClassifierGraph(network.Architecture, graph.ToBytes(), weights);
    }

    public static ClassifierGraph Kan(KanArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        architecture.Validate();
        var graph = new OnnxGraphBuilder("kan");
        var weights = new List<(string, int[])>();
        var x = graph.Input(ClassifierGraph.FeaturesInput, null, architecture.InputSize);
        if (architecture.PoolSize > 1)
        {
            x = graph.Node("MatMul", x, graph.Constant(PoolingMatrix(architecture), architecture.InputSize, architecture.ReducedInputSize));
        }

        var hidden = Layer(graph, weights, 0, x, architecture.ReducedInputSize, architecture.HiddenSize, architecture, architecture.InputMin, architecture.InputMax, null);
        Layer(graph, weights, 1, hidden, architecture.HiddenSize, architecture.ClassCount, architecture, architecture.HiddenMin, architecture.HiddenMax, ClassifierGraph.LogitsOutput);
        graph.Output(ClassifierGraph.LogitsOutput, null, architecture.ClassCount);
        return new ClassifierGraph(architecture.ToString(), graph.ToBytes(), weights);
    }

    private static string Layer(
        OnnxGraphBuilder graph, List<(string, int[])> weights, int index, string x, int inputs, int outputs, KanArchitecture shape, float min, float max, string? output)
    {
        var grid = shape.GridSize;
        var order = shape.SplineOrder;
        var basisCount = grid + order;
        var splineName = $"layers.{index}.spline_weight";
        var baseName = $"layers.{index}.base_weight";
        graph.Input(splineName, outputs, inputs, basisCount);
        graph.Input(baseName, outputs, inputs);
        weights.Add((splineName, [outputs, inputs, basisCount]));
        weights.Add((baseName, [outputs, inputs]));

        // position = (clamp(x) - min) * (G / (max - min)); interval = min(floor(position), G - 1); u = position - interval.
        var clamped = graph.Node("Clip", x, graph.Scalar(min), graph.Scalar(max));
        var position = graph.Node("Mul", graph.Node("Sub", clamped, graph.Scalar(min)), graph.Scalar(grid / (max - min)));
        var interval = graph.Node("Min", graph.Node("Floor", position), graph.Scalar(grid - 1));
        var u = graph.Node("Sub", position, interval);

        // Cox-de Boor on the uniform grid, as BSplineBasis.Evaluate: n[0] = 1; for j: temp = n[r] / j,
        // n[r] = saved + (r + 1 - u) temp, saved = (u + j - r - 1) temp; n[j] = saved.
        // n[0] = 1 is left null: its only use, n[0] / 1, becomes a tensor of ones (Ones).
        var n = new string?[order + 1];
        for (var j = 1; j <= order; j++)
        {
            string? saved = null;
            var reciprocal = 1f / j;
            for (var r = 0; r < j; r++)
            {
                var temp = n[r] is { } value ? graph.Node("Mul", value, graph.Scalar(reciprocal)) : Ones(graph, u, reciprocal);
                var left = graph.Node("Mul", graph.Node("Sub", graph.Scalar(r + 1), u), temp);
                n[r] = saved is null ? left : graph.Node("Add", saved, left);
                saved = graph.Node("Mul", graph.Node("Add", u, graph.Scalar(j - r - 1)), temp);
            }

            n[j] = saved;
        }

        // basis[b, i, s] = sum over m of n[m][b, i] where s = interval + m.
        var intervalIndex = graph.Node("Cast", [interval], new Dictionary<string, object> { ["to"] = 7L });
        var oneHotValues = graph.Constant([0f, 1f], 2);
        var depth = graph.Int64Constant([basisCount], 1);
        string? basis = null;
        for (var m = 0; m <= order; m++)
        {
            var placedIndex = m == 0 ? intervalIndex : graph.Node("Add", intervalIndex, graph.Int64Constant([m]));
            var placed = graph.Node("OneHot", [placedIndex, depth, oneHotValues], new Dictionary<string, object> { ["axis"] = -1L });
            var term = graph.Node("Mul", placed, graph.Node("Unsqueeze", n[m]!, graph.Int64Constant([-1L], 1)));
            basis = basis is null ? term : graph.Node("Add", basis, term);
        }

        var features = graph.Node("Reshape", basis!, graph.Int64Constant([-1L, (long)inputs * basisCount], 2));
        var splineMatrix = graph.Node("Reshape", splineName, graph.Int64Constant([outputs, (long)inputs * basisCount], 2));
        var splinePart = graph.Node("Gemm", [features, splineMatrix], new Dictionary<string, object> { ["transB"] = 1 });
        var silu = graph.Node("Mul", x, graph.Node("Sigmoid", x));
        var basePart = graph.Node("Gemm", [silu, baseName], new Dictionary<string, object> { ["transB"] = 1 });
        return graph.Node("Add", [splinePart, basePart], null, output);
    }

    // The recursion's first step multiplies n[0] = 1 by 1/j: a tensor of 1/j shaped like u.
    private static string Ones(OnnxGraphBuilder graph, string u, float value) =>
        graph.Node("Add", graph.Node("Mul", u, graph.Scalar(0f)), graph.Scalar(value));

    /// <summary>[inputs, reduced]: column (py, px) averages its PoolSize x PoolSize pixels; extra inputs pass through.</summary>
    private static float[] PoolingMatrix(KanArchitecture shape)
    {
        var width = shape.ImageWidth;
        var pool = shape.PoolSize;
        var outWidth = width / pool;
        var outHeight = shape.ImageHeight / pool;
        var reduced = shape.ReducedInputSize;
        var matrix = new float[shape.InputSize * reduced];
        var scale = 1f / (pool * pool);
        for (var py = 0; py < outHeight; py++)
        {
            for (var px = 0; px < outWidth; px++)
            {
                for (var dy = 0; dy < pool; dy++)
                {
                    for (var dx = 0; dx < pool; dx++)
                    {
                        var pixel = ((((py * pool) + dy) * width) + (px * pool)) + dx;
                        matrix[(pixel * reduced) + (py * outWidth) + px] = scale;
                    }
                }
            }
        }

        for (var e = 0; e < shape.ExtraInputs; e++)
        {
            matrix[((shape.ImageSize + e) * reduced) + (outWidth * outHeight) + e] = 1f;
        }

        return matrix;
    }
}
