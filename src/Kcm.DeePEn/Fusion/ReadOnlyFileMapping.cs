using System.IO.MemoryMappedFiles;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// A whole file mapped read-only into memory, with a pointer to its first byte: the pages live in the operating
/// system's page cache (shared by every process mapping the file), not on the managed heap. Owns the mapping and
/// releases it once on <see cref="Dispose"/>; spans taken from <see cref="Pointer"/> must not outlive it.
/// </summary>
public sealed unsafe class ReadOnlyFileMapping : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private ReadOnlyFileMapping(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, long length, string path)
    {
        _file = file;
        _view = view;
        _pointer = pointer;
        Length = length;
        Path = path;
    }

    public string Path { get; }

    /// <summary>The file's length in bytes (the mapped bytes).</summary>
    public long Length { get; }

    /// <summary>The first byte of the file; throws once disposed.</summary>
    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(ReadOnlyFileMapping), $"The mapping of {Path} was disposed.");

    /// <summary>Maps <paramref name="path"/> (which must exist and not be empty).</summary>
    public static ReadOnlyFileMapping Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new RelativeMatrixFileException(path, "the file is empty.");
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new ReadOnlyFileMapping(file, view, pointer + view.PointerOffset, length, path);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_pointer == null)
        {
            return;
        }

        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
