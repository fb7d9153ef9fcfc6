using System.Collections.Concurrent;

namespace Kcm.Grains.Tests.Support;

/// <summary>The records of <see cref="SharedGrainStorage"/>, shared by every silo (and cluster) a test starts with them.</summary>
public sealed class SharedGrainRecords
{
    internal int FailNextWriteFlag;

    /// <summary>The state name whose next write fails (null: any state's).</summary>
    internal volatile string? FailNextWriteOf;

    /// <summary>Serialized state and ETag by grain and state name.</summary>
    public ConcurrentDictionary<string, (byte[] Bytes, string ETag)> Records { get; } = new();

    /// <summary>Makes the next write fail, of state <paramref name="stateName"/> (e.g. "registry", "distillation") or of any state.</summary>
    public void FailNextWrite(string? stateName = null)
    {
        FailNextWriteOf = stateName;
        Interlocked.Exchange(ref FailNextWriteFlag, 1);
    }
}
