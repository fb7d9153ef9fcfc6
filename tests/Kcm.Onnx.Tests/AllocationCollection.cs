namespace Kcm.Onnx.Tests;

/// <summary>Allocation counts run with nothing else in the process running beside them.</summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;
