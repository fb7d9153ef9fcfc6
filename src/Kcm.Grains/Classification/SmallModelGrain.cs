using Kcm.Abstractions.Classification;
using Kcm.Core.Models;
using Kcm.Grains.Serving;
using Orleans.Concurrency;

namespace Kcm.Grains.Classification;

/// <summary>
/// The serving small model beside its caller (key: model name): a stateless worker without a placement filter, so a
/// judge's call stays on the judge's silo with no network hop. Answers from this silo's serving snapshot, held once for the batch.
/// </summary>
[StatelessWorker]
public sealed class SmallModelGrain(ServingSnapshotHolder snapshots) : Grain, ISmallModelGrain
{
    public Task<SmallModelAnswer> PredictAsync(ModelInput input)
    {
        using var lease = snapshots.Lease();
        var snapshot = lease.Snapshot;
        if (snapshot is null)
        {
            return Task.FromResult(new SmallModelAnswer([], 0, ClassifyStatus.NotReady));
        }

        if (input is null || input.Rows < 1 || input.Features is null || input.Features.Length != input.Rows * snapshot.InputSize)
        {
            return Task.FromResult(new SmallModelAnswer([], snapshot.Version.Small.Version, ClassifyStatus.InvalidInput));
        }

        var probabilities = new float[input.Rows * snapshot.ClassCount];
        snapshot.Small.Probabilities(input.Features, input.Rows, probabilities);
        return Task.FromResult(new SmallModelAnswer(probabilities, snapshot.Version.Small.Version));
    }
}
