namespace Kcm.Benchmarks.Serve;

/// <summary>One way a caller reaches the silo (the Orleans client, or HTTP): the benchmark's loops run the same over either.</summary>
internal interface IServePath
{
    /// <summary>The path's name in the printed tables.</summary>
    string Name { get; }

    /// <summary>
    /// Classifies <paramref name="rows"/> samples (<paramref name="features"/> owned by the call, never changed) and writes
    /// each row's label and whether the small model answered it at <paramref name="offset"/> of the two columns.
    /// </summary>
    Task ClassifyAsync(float[] features, int rows, int[] labels, bool[] small, int offset, CancellationToken cancellationToken);
}
