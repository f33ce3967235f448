using System;
using System.Numerics.Tensors;

namespace NormGen.Kernels;

/// <summary>
/// Vectorized conversions between <see cref="Half"/> storage and float arithmetic. Half kernels
/// widen each row to float, normalize it in float, and round the result back once; the fused adds
/// in front of a norm round their sum to Half first, exactly as the separate Half add would.
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

    /// <summary>Elements handled per step by the fused adds, so their float temporaries stay on the stack.</summary>
    private const int Chunk = 256;

    /// <summary>
    /// <c>destination = (float)(Half)(input + addend)</c>: adds a float row (a bias already widened once
    /// per call) to a Half row and rounds the sum to Half, as a separate Half add would, before widening it.
    /// </summary>
    /// <exception cref="ArgumentException">The spans' lengths differ.</exception>
    public static void AddToSingle(ReadOnlySpan<Half> input, ReadOnlySpan<float> addend, Span<float> destination)
    {
        KernelArguments.RequireLength(addend.Length, input.Length, nameof(addend));
        KernelArguments.RequireLength(destination.Length, input.Length, nameof(destination));

        Span<Half> rounded = stackalloc Half[Chunk];
        for (int start = 0; start < input.Length; start += Chunk)
        {
            int length = Math.Min(Chunk, input.Length - start);
            Span<float> target = destination.Slice(start, length);
            TensorPrimitives.ConvertToSingle(input.Slice(start, length), target);
            TensorPrimitives.Add(target, addend.Slice(start, length), target);
            TensorPrimitives.ConvertToHalf(target, rounded.Slice(0, length));
            TensorPrimitives.ConvertToSingle(rounded.Slice(0, length), target);
        }
    }

    /// <summary>
    /// The residual add of a Half kernel: <c>sum = (Half)(input + inputBias + residual)</c>, computed in
    /// float and rounded once, and <c>destination = (float)sum</c>, the row the norm then normalizes.
    /// </summary>
    /// <param name="input">The new contribution to the residual stream.</param>
    /// <param name="inputBias">A float row added to <paramref name="input"/>, or empty for none.</param>
    /// <param name="residual">The residual stream so far.</param>
    /// <param name="sum">The updated residual stream; may be the same memory as <paramref name="input"/> or <paramref name="residual"/>.</param>
    /// <param name="destination">The sum, widened.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="input"/>'s.</exception>
    public static void AddResidual(ReadOnlySpan<Half> input, ReadOnlySpan<float> inputBias, ReadOnlySpan<Half> residual, Span<Half> sum, Span<float> destination)
    {
        KernelArguments.RequireLengthOrEmpty(inputBias.Length, input.Length, nameof(inputBias));
        KernelArguments.RequireLength(residual.Length, input.Length, nameof(residual));
        KernelArguments.RequireLength(sum.Length, input.Length, nameof(sum));
        KernelArguments.RequireLength(destination.Length, input.Length, nameof(destination));

        Span<float> widened = stackalloc float[Chunk];
        for (int start = 0; start < input.Length; start += Chunk)
        {
            int length = Math.Min(Chunk, input.Length - start);
            Span<float> target = destination.Slice(start, length);
            Span<float> other = widened.Slice(0, length);

            // Both inputs are read before the sum is written, so the sum may replace either of them.
            TensorPrimitives.ConvertToSingle(input.Slice(start, length), target);
            if (!inputBias.IsEmpty)
            {
                TensorPrimitives.Add(target, inputBias.Slice(start, length), target);
            }

            TensorPrimitives.ConvertToSingle(residual.Slice(start, length), other);
            TensorPrimitives.Add(target, other, target);
            TensorPrimitives.ConvertToHalf(target, sum.Slice(start, length));
            TensorPrimitives.ConvertToSingle(sum.Slice(start, length), target);
        }
    }
}
