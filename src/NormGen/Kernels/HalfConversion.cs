using System;
using System.Numerics.Tensors;

namespace NormGen.Kernels;

/// <summary>
/// Vectorized conversions between <see cref="Half"/> storage and float arithmetic. Half kernels
/// convert each row to float, normalize it in float, and round the result back once.
/// </summary>
public static class HalfConversion
{
    /// <summary>Widens every element of <paramref name="source"/> into <paramref name="destination"/> (exact).</summary>
    /// <exception cref="ArgumentException">The spans' lengths differ.</exception>
    public static void ToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        KernelArguments.RequireLength(destination.Length, source.Length, nameof(destination));
        TensorPrimitives.ConvertToSingle(source, destination);
    }

    /// <summary>Rounds every element of <paramref name="source"/> to the nearest <see cref="Half"/> (ties to even) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The spans' lengths differ.</exception>
    public static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        KernelArguments.RequireLength(destination.Length, source.Length, nameof(destination));
        TensorPrimitives.ConvertToHalf(source, destination);
    }
}
