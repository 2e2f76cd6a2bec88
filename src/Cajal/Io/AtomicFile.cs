using System.Text;

namespace Cajal.Io;

/// <summary>Writes files so that a reader sees either the whole old file or the whole new one, never a mix.</summary>
/// <remarks>
/// The content goes to a temporary file in the target's folder (so the final step is a rename within one file
/// system), is flushed to disk with <see cref="FileStream.Flush(bool)"/>, and only then is moved onto the target
/// with <see cref="File.Move(string, string, bool)"/>, which replaces it in one step (<c>rename(2)</c> on Unix,
/// <c>MoveFileEx</c> with replace on Windows). If writing fails part-way (an exception, a full disk), the
/// temporary file is deleted and the previous file is left as it was. A process killed between the flush and
/// the rename leaves the old target intact and an orphaned <c>.*.tmp</c> file beside it. The folder itself is
/// not flushed (.NET has no API for that), so after a power cut the rename may be lost but never half-done.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes, atomically.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the whole new content to the given stream; it must not close the stream.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"AtomicFile.Write: '{path}' names no file.", nameof(path));
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>, atomically.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="bytes">The new content.</param>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> in UTF-8 without a byte-order mark, atomically.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="text">The new content.</param>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The original error matters more; an orphaned temporary file is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
