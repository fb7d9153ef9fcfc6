namespace Kcm.Core.Training;

/// <summary>
/// Mean loss and gradient of a mini-batch, computed in parallel over a FIXED partition of the batch into one
/// contiguous chunk per thread. Each chunk has its own buffers (allocated once, here) and the chunk gradients are
/// summed in chunk order, so the result depends only on the inputs and the thread count, never on scheduling.
/// </summary>
public sealed class BatchGradient
{
    private readonly IDifferentiableNetwork _network;
    private readonly int _threads;
    private readonly int _chunkCapacity;
    private readonly Chunk[] _chunks;
    private readonly double[] _chunkLosses;

    public BatchGradient(IDifferentiableNetwork network, int maxBatchSize, int threads)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _network = network;
        _threads = Math.Min(threads, maxBatchSize);
        _chunkCapacity = (maxBatchSize + _threads - 1) / _threads;
        MaxBatchSize = maxBatchSize;
        _chunks = new Chunk[_threads];
        for (var c = 0; c < _threads; c++)
        {
            _chunks[c] = new Chunk(network, _chunkCapacity);
        }

        _chunkLosses = new double[_threads];
    }

    public int MaxBatchSize { get; }

    /// <summary>
    /// Writes the mean gradient over <paramref name="samples"/> into <paramref name="gradient"/> and returns the mean loss.
    /// </summary>
    public double Compute(float[] parameters, ITrainingObjective objective, ReadOnlyMemory<int> samples, float[] gradient)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(gradient);
        var count = samples.Length;
        if (count < 1 || count > MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), count, $"Batch must hold 1..{MaxBatchSize} samples.");
        }

        // The partition depends only on the batch length and the thread count.
        var perChunk = (count + _threads - 1) / _threads;
        var used = (count + perChunk - 1) / perChunk;
        if (used == 1)
        {
            RunChunk(0, parameters, objective, samples.Span, perChunk);
        }
        else
        {
            Parallel.For(0, used, new ParallelOptions { MaxDegreeOfParallelism = _threads }, c =>
                RunChunk(c, parameters, objective, samples.Span, perChunk));
        }

        Array.Copy(_chunks[0].Gradient, gradient, gradient.Length);
        var loss = _chunkLosses[0];
        for (var c = 1; c < used; c++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(gradient, _chunks[c].Gradient, gradient);
            loss += _chunkLosses[c];
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, 1f / count, gradient);
        return loss / count;
    }

    private void RunChunk(int c, float[] parameters, ITrainingObjective objective, ReadOnlySpan<int> samples, int perChunk)
    {
        var start = c * perChunk;
        var rows = Math.Min(perChunk, samples.Length - start);
        var chunk = _chunks[c];
        var inputSize = _network.InputSize;
        var classes = _network.ClassCount;
        for (var r = 0; r < rows; r++)
        {
            objective.Features(samples[start + r]).CopyTo(chunk.Inputs.AsSpan(r * inputSize, inputSize));
        }

        _network.Forward(parameters, chunk.Inputs.AsSpan(0, rows * inputSize), rows, chunk.Activations, chunk.Logits);
        var loss = 0.0;
        for (var r = 0; r < rows; r++)
        {
            loss += objective.Loss(samples[start + r], chunk.Logits.AsSpan(r * classes, classes), chunk.LogitGradient.AsSpan(r * classes, classes));
        }

        Array.Clear(chunk.Gradient);
        _network.Backward(
            parameters, chunk.Inputs.AsSpan(0, rows * inputSize), rows, chunk.Activations, chunk.LogitGradient.AsSpan(0, rows * classes), chunk.Gradient, chunk.Scratch);
        _chunkLosses[c] = loss;
    }

    /// <summary>One chunk's private buffers.</summary>
    private sealed class Chunk(IDifferentiableNetwork network, int capacity)
    {
        public float[] Inputs { get; } = new float[capacity * network.InputSize];

        public float[] Activations { get; } = new float[Math.Max(1, network.ActivationSize(capacity))];

        public float[] Logits { get; } = new float[capacity * network.ClassCount];

        public float[] LogitGradient { get; } = new float[capacity * network.ClassCount];

        public float[] Gradient { get; } = new float[network.ParameterCount];

        public float[] Scratch { get; } = new float[Math.Max(1, network.BackwardScratchSize(capacity))];
    }
}
