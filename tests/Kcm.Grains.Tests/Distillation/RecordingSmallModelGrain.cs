using Kcm.Core.Models;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;

namespace Kcm.Grains.Tests.Distillation;

/// <summary>A small model grain that only counts versions: publishing makes the next version current.</summary>
internal sealed class RecordingSmallModelGrain(IClassifier model) : ISmallModelGrain
{
    private SmallModelVersion _current = new(1, model, DateTimeOffset.UtcNow, "initial", 0.5);

    public List<double> PublishedAccuracies { get; } = [];

    public ValueTask<SmallModelVersion> GetCurrentAsync() => ValueTask.FromResult(Volatile.Read(ref _current));

    public ValueTask<SmallModelVersion> LogitsAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> logits, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<SmallModelVersion> PublishAsync(IClassifier model, double checkAccuracy, CancellationToken cancellationToken)
    {
        lock (PublishedAccuracies)
        {
            PublishedAccuracies.Add(checkAccuracy);
            var next = new SmallModelVersion(_current.Version + 1, model, DateTimeOffset.UtcNow, "next", checkAccuracy);
            Volatile.Write(ref _current, next);
            return Task.FromResult(next);
        }
    }

    public Task<SmallModelVersion> ActivateAsync(int version, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<RollbackResult> RollbackAsync(int? version, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<StoredModel>> ListVersionsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
