namespace Kcm.Silo.Tests.Support;

/// <summary>
/// A model store the quick models were trained into once per test run (the first start of a silo trains the judge and
/// small model); each test gets a copy of its own, so silos start in seconds and never share a folder they write to.
/// </summary>
internal static class TrainedStore
{
    private static readonly Lazy<Task<string>> Seeded = new(TrainAsync);

    /// <summary>A fresh folder holding a copy of the trained store; the caller deletes it.</summary>
    public static async Task<string> CopyAsync()
    {
        var source = await Seeded.Value;
        var target = Path.Combine(Path.GetTempPath(), "kcm-silo-test-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }

    private static async Task<string> TrainAsync()
    {
        var store = Path.Combine(Path.GetTempPath(), "kcm-silo-seed-" + Guid.NewGuid().ToString("N"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(store))
            {
                Directory.Delete(store, recursive: true);
            }
        };
        await using var silo = await TestSilo.StartAsync(storePath: store);
        return store;
    }
}
