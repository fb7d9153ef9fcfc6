namespace Kcm.Onnx;

/// <summary>
/// Precomputed shapes for the allocation-free single-tensor Run: one float input and one float output whose only
/// dynamic dimension (if any) is the first, the batch.
/// </summary>
internal sealed class SingleTensorLayout
{
    private SingleTensorLayout(OnnxTensorInfo input, OnnxTensorInfo output)
    {
        Input = input;
        Output = output;
        InputShape = input.Shape.ToArray();
        OutputShape = output.Shape.ToArray();
        InputPerSample = PerSample(InputShape);
        OutputPerSample = PerSample(OutputShape);
        FixedBatch = InputShape[0] >= 0 ? InputShape[0] : OutputShape[0];
    }

    public OnnxTensorInfo Input { get; }

    public OnnxTensorInfo Output { get; }

    /// <summary>Declared input shape; element 0 is overwritten with the batch size per call.</summary>
    public long[] InputShape { get; }

    public long[] OutputShape { get; }

    public int InputPerSample { get; }

    public int OutputPerSample { get; }

    /// <summary>The batch size the model fixes, or -1 when the batch dimension is dynamic.</summary>
    public long FixedBatch { get; }

    public static SingleTensorLayout? TryCreate(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs, out string reason)
    {
        reason = string.Empty;
        if (inputs.Count != 1 || outputs.Count != 1)
        {
            reason = $"the model has {inputs.Count} inputs and {outputs.Count} outputs, not one of each";
            return null;
        }

        foreach (var tensor in (ReadOnlySpan<OnnxTensorInfo>)[inputs[0], outputs[0]])
        {
            if (tensor.ElementType != OnnxElementType.Float)
            {
                reason = $"'{tensor.Name}' is {tensor.ElementType}, not Float";
                return null;
            }

            if (tensor.Rank < 1)
            {
                reason = $"'{tensor.Name}' has no batch dimension";
                return null;
            }

            for (var d = 1; d < tensor.Rank; d++)
            {
                if (tensor.Shape[d] < 0)
                {
                    reason = $"'{tensor.Name}' {tensor.FormatShape()} has a dynamic dimension besides the batch";
                    return null;
                }
            }
        }

        return new SingleTensorLayout(inputs[0], outputs[0]);
    }

    /// <summary>Checks batch size and span lengths before anything reaches ORT.</summary>
    public void Validate(int inputLength, int batchSize, int outputLength)
    {
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        }

        if (FixedBatch >= 0 && batchSize != FixedBatch)
        {
            throw new OnnxTensorMismatchException(Input.Name, $"batch size {FixedBatch} (shape {Input.FormatShape()})", $"batch size {batchSize}");
        }

        var expectedInput = (long)batchSize * InputPerSample;
        if (inputLength != expectedInput)
        {
            throw new OnnxTensorMismatchException(Input.Name, $"{expectedInput} floats ({batchSize} x {InputPerSample} for shape {Input.FormatShape()})", $"{inputLength} floats");
        }

        var expectedOutput = (long)batchSize * OutputPerSample;
        if (outputLength != expectedOutput)
        {
            throw new OnnxTensorMismatchException(Output.Name, $"an output span of {expectedOutput} floats ({batchSize} x {OutputPerSample} for shape {Output.FormatShape()})", $"{outputLength} floats");
        }
    }

    private static int PerSample(long[] shape)
    {
        long count = 1;
        for (var d = 1; d < shape.Length; d++)
        {
            count = checked(count * shape[d]);
        }

        return checked((int)count);
    }
}
