using Kcm.Abstractions.Classification;
using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Grains.Hosting;
using Kcm.Placement;
using Orleans.Concurrency;

namespace Kcm.Grains.Classification;

/// <summary>
/// The large model on a gpu silo (key: model name): stateless workers, at most <see cref="MaxLocalWorkers"/> per silo,
/// all feeding the silo's one <see cref="LargeModelBatcher"/>, which batches their requests into session runs. Each
/// answered row becomes a teacher record (id made here, by its producer) on the silo's teacher queue; a full queue drops
/// records rather than slow serving.
/// </summary>
[StatelessWorker(MaxLocalWorkers)]
[GpuPlacementFilter]
public sealed class LargeModelGrain(LargeModelBatcher batcher, ITeacherQueue teachers, ServingOptions options) : Grain, ILargeModelGrain
{
    /// <summary>
    /// Activations per silo: each runs one request at a time, so this many requests can wait in the batcher at once and
    /// be batched together; <c>Kcm:LargePool:QueueCapacity</c> at or above it means only a slow model fills the queue.
    /// </summary>
    public const int MaxLocalWorkers = 16;

    private readonly TimeSpan _timeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMilliseconds);

    public async Task<LargeModelAnswer> InferAsync(LargeModelBatch batch)
    {
        var answer = await batcher.InferAsync(batch, _timeout, CancellationToken.None);
        if (answer.Status == ClassifyStatus.Completed)
        {
            Teach(batch, answer);
        }

        return answer;
    }

    public Task<LargeModelDescription> DescribeAsync() => Task.FromResult(batcher.Describe());

    private void Teach(LargeModelBatch batch, LargeModelAnswer answer)
    {
        var features = batch.Features.Length / batch.Rows;
        var classes = answer.Probabilities.Length / batch.Rows;
        var hasJudge = batch.JudgeProbabilities is { } judge && judge.Length == batch.Rows * classes;
        for (var row = 0; row < batch.Rows; row++)
        {
            // Judge probabilities that overflowed would teach the judge nothing but NaN: the record goes without them.
            var judgeRow = hasJudge ? batch.JudgeProbabilities.AsSpan(row * classes, classes) : default;
            teachers.TryEnqueue(Guid.NewGuid(), new TeacherRecord(
                batch.Features.AsSpan(row * features, features).ToArray(),
                answer.Probabilities.AsSpan(row * classes, classes).ToArray(),
                hasJudge && AllFinite(judgeRow) ? judgeRow.ToArray() : null,
                null));
        }
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
