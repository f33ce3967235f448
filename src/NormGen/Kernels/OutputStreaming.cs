namespace NormGen.Kernels;

/// <summary>
/// When generated kernels write their outputs with non-temporal (streaming) stores. An output larger than
/// the caches cannot stay there for the next layer anyway; streaming it saves reading every destination
/// line from memory before overwriting it, which is a third of a memory-bound kernel's traffic. Below the
/// size of a typical last-level cache, the output is better left in cache for whatever reads it next.
/// </summary>
public static class OutputStreaming
{
    /// <summary>Outputs of at least this many bytes are streamed.</summary>
    public const long ThresholdBytes = 32L << 20;

    /// <summary>Whether an output of <paramref name="bytes"/> bytes is worth streaming.</summary>
    public static bool Pays(long bytes) => bytes >= ThresholdBytes;
}
