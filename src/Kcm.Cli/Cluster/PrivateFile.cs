namespace Kcm.Cli.Cluster;

/// <summary>
/// Files only their owner may read or write (mode 0600), created with that mode (never widened first and narrowed after:
/// there is no moment another user could open them) and replaced atomically, and folders of mode 0700.
/// </summary>
internal static class PrivateFile
{
    /// <summary>Read and write for the owner only.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A folder only its owner may list or enter.</summary>
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Writes <paramref name="text"/> to a new temporary file of mode 0600 beside <paramref name="path"/>, then moves it over
    /// <paramref name="path"/>: the result has mode 0600 whatever the old file's mode was, and a crash never leaves half a file.
    /// </summary>
    public static void Write(string path, string text)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, Options(FileMode.CreateNew, FileAccess.Write, FileShare.None)))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The file's text, or null when it does not exist.</summary>
    public static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates <paramref name="folder"/> (and missing parents) with mode 0700; an existing folder keeps its mode.</summary>
    public static void CreateFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        // The local cluster runs on Linux only (setsid, /proc); the guard is for the analyzer.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }
    }

    /// <summary>Appends a line to <paramref name="path"/>, creating it with mode 0600 when it does not exist.</summary>
    public static void AppendLine(string path, string line)
    {
        using var stream = new FileStream(path, Options(FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        using var writer = new StreamWriter(stream);
        writer.WriteLine(line);
    }

    /// <summary>Options that create a missing file with mode 0600.</summary>
    public static FileStreamOptions Options(FileMode mode, FileAccess access, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }
}
