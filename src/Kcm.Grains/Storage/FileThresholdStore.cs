using System.Text.Json;

namespace Kcm.Grains.Storage;

/// <summary>The threshold in one small JSON file, replaced atomically on every change.</summary>
public sealed class FileThresholdStore(string path) : IThresholdStore
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public async Task<double?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var json = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        var state = JsonSerializer.Deserialize(json, GrainsJsonContext.Default.ThresholdState);
        return state is null || !(state.Epsilon is > 0 and < 1)
            ? throw new InvalidDataException($"Threshold file {Path} does not hold an epsilon in (0, 1).")
            : state.Epsilon;
    }

    public Task SaveAsync(double epsilon, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new ThresholdState(epsilon, DateTimeOffset.UtcNow), GrainsJsonContext.Default.ThresholdState);
        return AtomicFile.WriteAsync(Path, json, cancellationToken);
    }
}
