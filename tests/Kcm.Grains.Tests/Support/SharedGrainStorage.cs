using Orleans.Serialization;
using Orleans.Storage;

namespace Kcm.Grains.Tests.Support;

/// <summary>
/// Grain storage whose records outlive the silos and clusters of a test (they live in a <see cref="SharedGrainRecords"/>
/// the test owns), stored as serialized bytes with an ETag, so a restarted cluster reads what the last one wrote.
/// <see cref="SharedGrainRecords.FailNextWrite"/> makes the next write throw, as a storage outage would.
/// </summary>
public sealed class SharedGrainStorage(SharedGrainRecords records, Serializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (records.Records.TryGetValue(Key(stateName, grainId), out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.Bytes);
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if ((records.FailNextWriteOf is null || records.FailNextWriteOf == stateName) && Interlocked.Exchange(ref records.FailNextWriteFlag, 0) == 1)
        {
            throw new IOException("Injected storage failure.");
        }

        var key = Key(stateName, grainId);
        var current = records.Records.TryGetValue(key, out var stored) ? stored.ETag : null;
        if (current != grainState.ETag)
        {
            throw new InconsistentStateException($"ETag mismatch for {key}: stored {current}, grain {grainState.ETag}.", current, grainState.ETag);
        }

        var etag = Guid.NewGuid().ToString("N");
        records.Records[key] = (serializer.SerializeToArray(grainState.State), etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        records.Records.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{grainId}/{stateName}";
}
