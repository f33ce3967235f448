using System;
using System.Numerics;

namespace NormGen.Kernels;

/// <summary>Sums the per-block partial rows of a <see cref="ReductionPlan"/> in block order.</summary>
public static class PartialSums
{
    /// <summary>
    /// Writes into <paramref name="destination"/> the element-wise sum of the first
    /// <paramref name="blockCount"/> rows of <paramref name="partials"/>, each as long as <paramref name="destination"/>.
    /// </summary>
    public static void Reduce<T>(ReadOnlySpan<T> partials, int blockCount, Span<T> destination)
        where T : unmanaged, INumberBase<T>
    {
        int length = destination.Length;
        if (blockCount <= 0 || (long)blockCount * length > partials.Length)
        {
            throw new ArgumentException($"'{nameof(partials)}' holds fewer than {blockCount} rows of {length}.", nameof(partials));
        }

        partials.Slice(0, length).CopyTo(destination);
        for (int block = 1; block < blockCount; block++)
        {
            ReadOnlySpan<T> row = partials.Slice(block * length, length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<T>> target = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(destination);
                ReadOnlySpan<Vector<T>> source = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(row);
                for (int v = 0; v < target.Length; v++)
                {
                    target[v] += source[v];
                }

                i = target.Length * Vector<T>.Count;
            }

            for (; i < length; i++)
            {
                destination[i] += row[i];
            }
        }
    }
}
