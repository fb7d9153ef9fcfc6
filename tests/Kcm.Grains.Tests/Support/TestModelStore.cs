namespace Kcm.Grains.Tests.Support;

/// <summary>
/// One model store folder for the whole test run: the first cluster trains the tiny judge and small model into it,
/// later clusters find them cached. Deleted when the test process exits.
/// </summary>
public static class TestModelStore
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), "kcm-grains-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return path;
    });

    /// <summary>The folder.</summary>
    public static string Root => Folder.Value;
}
