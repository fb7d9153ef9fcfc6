namespace Kcm.Deploy.Tests;

/// <summary>
/// Maps the image's absolute paths (/app, /var/lib/kcm, /src) to folders under one host folder, so
/// the Dockerfile's commands and environment can run on this machine, which has no Docker engine.
/// </summary>
public sealed class ContainerPaths(string root)
{
    private static readonly string[] ImageFolders = ["/app", "/var/lib/kcm", "/src"];

    public string Root { get; } = root;

    /// <summary>The host folder standing for an image path, e.g. /app/models becomes {root}/app/models.</summary>
    public string Host(string imagePath) => Path.Combine(Root, imagePath.TrimStart('/'));

    /// <summary>Replaces every image path in <paramref name="text"/> (a command or an environment value) with its host folder.</summary>
    public string Rewrite(string text)
    {
        foreach (var folder in ImageFolders)
        {
            text = text.Replace(" " + folder, " " + Host(folder), StringComparison.Ordinal);
            if (text.StartsWith(folder, StringComparison.Ordinal))
            {
                text = Host(folder) + text[folder.Length..];
            }
        }

        return text;
    }
}
