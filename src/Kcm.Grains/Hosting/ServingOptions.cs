using Kcm.Grains.Classification;
using Kcm.Grains.Distillation;

namespace Kcm.Grains.Hosting;

/// <summary>
/// Serving settings of a silo, bound from the configuration section <see cref="SectionName"/> (the names the first
/// version's host used, e.g. <c>Kcm:ModelName</c>, <c>Kcm:LargePool:QueueCapacity</c>, <c>Kcm:Distillation:Enabled</c>).
/// Validated when the silo starts.
/// </summary>
public sealed class ServingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Kcm";

    /// <summary>The model this silo serves (the grains' key and the model store's series prefix).</summary>
    /// <value>Default "fashion-mnist".</value>
    public string ModelName { get; set; } = "fashion-mnist";

    /// <summary>Folder of the local model store (relative paths are under <c>KCM_HOME</c>, else the working folder).</summary>
    /// <value>Default ".kcm/store".</value>
    public string StorePath { get; set; } = ".kcm/store";

    /// <summary>Versions kept per model store series; at least <see cref="HistoryLength"/>, so a rollback never names pruned weights.</summary>
    /// <value>Default 20; 1 to 1000, and at least <see cref="HistoryLength"/>.</value>
    public int KeepVersions { get; set; } = 20;

    /// <summary>Most samples in one classify batch; a larger one is answered InvalidInput.</summary>
    /// <value>Default 256; 1 to 65,536.</value>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Deadline of a batch's large-model rows inside the silo, in milliseconds.</summary>
    /// <value>Default 5000; 1 to 600,000.</value>
    public int RequestTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>Seconds over which the large model's share is reported.</summary>
    /// <value>Default 60; 1 to 3600.</value>
    public int RoutingWindowSeconds { get; set; } = 60;

    /// <summary>Teacher records held for the distiller at most (waiting plus being distilled).</summary>
    /// <value>Default 20,000; 1 to 10,000,000.</value>
    public int TeacherQueueCapacity { get; set; } = 20_000;

    /// <summary>Serving versions the registry keeps for rollback.</summary>
    /// <value>Default 20; 2 to 1000.</value>
    public int HistoryLength { get; set; } = 20;

    /// <summary>How often each silo asks the registry for the current version (catching up on a missed notification), in milliseconds.</summary>
    /// <value>Default 5000; 100 to 600,000.</value>
    public int PollMilliseconds { get; set; } = 5000;

    /// <summary>The registry drops a silo's subscription not renewed for three of these periods, in seconds (silos renew on every poll).</summary>
    /// <value>Default 60; 1 to 3600.</value>
    public int ResubscribeSeconds { get; set; } = 60;

    /// <summary>The large model batcher of gpu silos.</summary>
    public LargeModelBatcherOptions LargePool { get; set; } = new();

    /// <summary>When distillation rounds run (on the distiller silo).</summary>
    public DistillationScheduleOptions Distillation { get; set; } = new();

    /// <summary>What runs the judge and the small model (C# or ONNX Runtime) and where the ONNX path runs.</summary>
    public ClassifierInferenceOptions Inference { get; set; } = new();

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ModelName) || ModelName.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || ModelName.StartsWith('.'))
        {
            problems.Add($"{SectionName}:{nameof(ModelName)} must be a name usable as a folder name (was '{ModelName}').");
        }

        if (string.IsNullOrWhiteSpace(StorePath))
        {
            problems.Add($"{SectionName}:{nameof(StorePath)} must not be empty.");
        }

        Check(KeepVersions is >= 1 and <= 1000, nameof(KeepVersions), "1 to 1000", KeepVersions);
        Check(MaxBatchSize is >= 1 and <= 65_536, nameof(MaxBatchSize), "1 to 65536", MaxBatchSize);
        Check(RequestTimeoutMilliseconds is >= 1 and <= 600_000, nameof(RequestTimeoutMilliseconds), "1 to 600000", RequestTimeoutMilliseconds);
        Check(RoutingWindowSeconds is >= 1 and <= 3600, nameof(RoutingWindowSeconds), "1 to 3600", RoutingWindowSeconds);
        Check(TeacherQueueCapacity is >= 1 and <= 10_000_000, nameof(TeacherQueueCapacity), "1 to 10000000", TeacherQueueCapacity);
        Check(HistoryLength is >= 2 and <= 1000, nameof(HistoryLength), "2 to 1000", HistoryLength);
        Check(PollMilliseconds is >= 100 and <= 600_000, nameof(PollMilliseconds), "100 to 600000", PollMilliseconds);
        Check(ResubscribeSeconds is >= 1 and <= 3600, nameof(ResubscribeSeconds), "1 to 3600", ResubscribeSeconds);
        Check(KeepVersions >= HistoryLength, nameof(KeepVersions), $"at least {nameof(HistoryLength)} ({HistoryLength}): the registry's history names stored weights", KeepVersions);
        problems.AddRange(LargePool.Problems($"{SectionName}:{nameof(LargePool)}:"));
        problems.AddRange(Distillation.Problems($"{SectionName}:{nameof(Distillation)}:"));
        problems.AddRange(Inference.Problems($"{SectionName}:{nameof(Inference)}:"));
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid serving configuration: " + string.Join(" ", problems));
        }

        void Check(bool valid, string field, string range, object value)
        {
            if (!valid)
            {
                problems.Add($"{SectionName}:{field} must be {range} (was {value}).");
            }
        }
    }
}
