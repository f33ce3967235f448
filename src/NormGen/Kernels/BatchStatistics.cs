using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NormGen.Kernels;

/// <summary>
/// Per-channel batch statistics kept as (count, mean, M2), where M2 is the sum of squared deviations
/// from the mean, and merged with the pairwise formula of Chan, Golub and LeVeque:
/// <c>δ = mean_b - mean_a</c>, <c>mean = mean_a + δ·n_b/n</c>, <c>M2 = M2_a + M2_b + δ²·n_a·n_b/n</c>.
/// </summary>
/// <remarks>
/// This is how a batch normalization spread over several shards (devices, processes, or blocks of one
/// batch) agrees on its statistics without the cancellation of <c>E[x²] - E[x]²</c>: each shard computes
/// its own (count, mean, M2) with a generated kernel's <c>ComputeStatistics</c>, the shards are gathered,
/// and <see cref="Merge{T}(ReadOnlySpan{long}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T})"/>
/// combines them in shard order, so every participant that merges the same gathered values gets the same
/// bits. The biased variance is <c>M2/count</c>, the unbiased one <c>M2/(count - 1)</c>.
/// </remarks>
public static class BatchStatistics
{
    /// <summary>
    /// Merges the statistics of <paramref name="counts"/>.Length shards, in shard order, into
    /// <paramref name="mean"/> and <paramref name="m2"/> (one element per channel).
    /// </summary>
    /// <param name="counts">Each shard's number of values per channel; shards with none are skipped.</param>
    /// <param name="means">The shards' per-channel means, shard after shard (shards × channels).</param>
    /// <param name="m2s">The shards' per-channel sums of squared deviations, laid out like <paramref name="means"/>.</param>
    /// <param name="mean">Receives the merged means.</param>
    /// <param name="m2">Receives the merged sums of squared deviations.</param>
    /// <returns>The total count. When it is zero, <paramref name="mean"/> and <paramref name="m2"/> are zero.</returns>
    /// <exception cref="ArgumentException">A span's length does not match, or a count is negative.</exception>
    public static long Merge<T>(ReadOnlySpan<long> counts, ReadOnlySpan<T> means, ReadOnlySpan<T> m2s, Span<T> mean, Span<T> m2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = mean.Length;
        KernelArguments.RequireLength(m2.Length, channels, nameof(m2));
        KernelArguments.RequireLength(means.Length, (long)counts.Length * channels, nameof(means));
        KernelArguments.RequireLength(m2s.Length, (long)counts.Length * channels, nameof(m2s));

        mean.Clear();
        m2.Clear();
        long count = 0;
        for (int shard = 0; shard < counts.Length; shard++)
        {
            count = Merge(count, mean, m2, counts[shard], means.Slice(shard * channels, channels), m2s.Slice(shard * channels, channels));
        }

        return count;
    }

    /// <summary>
    /// Merges one more set of statistics into (<paramref name="count"/>, <paramref name="mean"/>,
    /// <paramref name="m2"/>), in place.
    /// </summary>
    /// <returns>The merged count, <paramref name="count"/> + <paramref name="otherCount"/>.</returns>
    /// <exception cref="ArgumentException">A span's length does not match, or a count is negative.</exception>
    public static long Merge<T>(long count, Span<T> mean, Span<T> m2, long otherCount, ReadOnlySpan<T> otherMean, ReadOnlySpan<T> otherM2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = mean.Length;
        KernelArguments.RequireLength(m2.Length, channels, nameof(m2));
        KernelArguments.RequireLength(otherMean.Length, channels, nameof(otherMean));
        KernelArguments.RequireLength(otherM2.Length, channels, nameof(otherM2));
        if (count < 0)
        {
            throw new ArgumentException($"'{nameof(count)}' is negative ({count}).", nameof(count));
        }

        if (otherCount < 0)
        {
            throw new ArgumentException($"'{nameof(otherCount)}' is negative ({otherCount}).", nameof(otherCount));
        }

        if (otherCount == 0)
        {
            return count;
        }

        if (count == 0)
        {
            otherMean.CopyTo(mean);
            otherM2.CopyTo(m2);
            return otherCount;
        }

        long total = count + otherCount;

        // The weights are formed in double: counts beyond 2^24 are not exact in float.
        double share = (double)otherCount / total;
        T weight = T.CreateTruncating(share);
        T cross = T.CreateTruncating(count * share);
        int c = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && channels >= Vector<T>.Count)
        {
            Span<Vector<T>> meanVectors = MemoryMarshal.Cast<T, Vector<T>>(mean);
            Span<Vector<T>> m2Vectors = MemoryMarshal.Cast<T, Vector<T>>(m2);
            ReadOnlySpan<Vector<T>> otherMeanVectors = MemoryMarshal.Cast<T, Vector<T>>(otherMean);
            ReadOnlySpan<Vector<T>> otherM2Vectors = MemoryMarshal.Cast<T, Vector<T>>(otherM2);
            var w = new Vector<T>(weight);
            var k = new Vector<T>(cross);
            for (int v = 0; v < meanVectors.Length; v++)
            {
                Vector<T> delta = otherMeanVectors[v] - meanVectors[v];
                meanVectors[v] += delta * w;
                m2Vectors[v] += otherM2Vectors[v] + delta * delta * k;
            }

            c = meanVectors.Length * Vector<T>.Count;
        }

        for (; c < channels; c++)
        {
            T delta = otherMean[c] - mean[c];
            mean[c] += delta * weight;
            m2[c] += otherM2[c] + delta * delta * cross;
        }

        return total;
    }
}
