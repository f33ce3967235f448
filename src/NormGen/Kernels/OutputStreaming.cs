using System;
using System.Globalization;
using System.IO;

namespace NormGen.Kernels;

/// <summary>
/// When generated kernels write their outputs with non-temporal (streaming) stores. When a call reads and
/// writes well over what the last-level cache holds, its output cannot stay there for the next layer anyway;
/// streaming it saves reading every destination line from memory before overwriting it, which is a third of a
/// memory-bound kernel's traffic. Below that, the output is better left in cache for whatever reads it next:
/// non-temporal stores would send it to memory and make the next reader fetch it back.
/// </summary>
/// <remarks>
/// The line is twice the cache, not the cache itself. A training loop calls a layer again and again on buffers
/// it reuses, and up to about twice the cache's size much of a call's data is still there from the call before;
/// plain stores then win. LayerNorm [4096, 768] backward (dy, x and dx: 1.2 times a 32 MiB cache) measured
/// 10 to 40 % slower streaming its dx, while the [8192, 4096] forward (8 times) measured faster streaming.
/// </remarks>
public static class OutputStreaming
{
    /// <summary>The last-level cache size assumed where the machine does not report one.</summary>
    public const long DefaultCacheBytes = 32L << 20;

    /// <summary>
    /// The size of the last-level cache in bytes: read once from the operating system where it reports it
    /// (Linux sysfs), else <see cref="DefaultCacheBytes"/>.
    /// </summary>
    public static long CacheBytes { get; } = ReadLastLevelCacheBytes() ?? DefaultCacheBytes;

    /// <summary>Bytes a call must read and write in all for its output to stream: twice <see cref="CacheBytes"/>.</summary>
    public static long ThresholdBytes { get; } = 2 * CacheBytes;

    /// <summary>Whether a call that reads and writes <paramref name="bytesTouched"/> bytes in all should stream its output.</summary>
    public static bool Pays(long bytesTouched) => bytesTouched >= ThresholdBytes;

    private static long? ReadLastLevelCacheBytes()
    {
        try
        {
            const string Caches = "/sys/devices/system/cpu/cpu0/cache";
            if (!Directory.Exists(Caches))
            {
                return null;
            }

            long? largest = null;
            foreach (string index in Directory.EnumerateDirectories(Caches, "index*"))
            {
                string sizeFile = Path.Combine(index, "size");
                if (File.Exists(sizeFile) && ParseSize(File.ReadAllText(sizeFile).Trim()) is long size && size > (largest ?? 0))
                {
                    largest = size;
                }
            }

            return largest;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses sysfs sizes such as <c>32768K</c> or <c>2M</c>.</summary>
    private static long? ParseSize(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        long unit = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            _ => 1,
        };
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 ? value * unit : null;
    }
}
