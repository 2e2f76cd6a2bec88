using System.Runtime.InteropServices;

namespace Cajal.Kernels;

/// <summary>Advice to the operating system about how native memory will be used.</summary>
internal static unsafe partial class MemoryAdvice
{
    private const int MadvHugePage = 14;   // MADV_HUGEPAGE in <sys/mman.h> on Linux

    /// <summary>
    /// Asks Linux to back [pointer, pointer + bytes) with transparent huge pages (madvise MADV_HUGEPAGE); the range should be
    /// 2 MiB-aligned. Advice only: elsewhere, or when the call is unavailable or refused, nothing happens.
    /// </summary>
    public static void HugePages(void* pointer, nuint bytes)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = Madvise((nint)pointer, bytes, MadvHugePage);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "madvise")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
