using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NormGen.Kernels;

/// <summary>
/// Vectorized conversions between <see cref="Half"/> storage and float arithmetic. Half kernels
/// widen each row to float, normalize it in float, and round the result back once; the fused adds
/// in front of a norm round their sum to Half first, exactly as the separate Half add would.
/// </summary>
/// <remarks>
/// Both directions work on the bit patterns with integer vector operations (no hardware half-precision
/// conversion is needed): widening is exact, narrowing rounds to nearest, ties to even, overflows to ±∞
/// and keeps NaN a NaN, exactly as the <c>(Half)</c> cast does.
/// </remarks>
public static class HalfConversion
{
    /// <summary>Elements handled per step by the fused adds, so their float temporaries stay on the stack.</summary>
    private const int Chunk = 256;

    /// <summary>Widens every element of <paramref name="source"/> into <paramref name="destination"/> (exact).</summary>
    /// <exception cref="ArgumentException">The spans' lengths differ.</exception>
    public static void ToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        KernelArguments.RequireLength(destination.Length, source.Length, nameof(destination));
        Widen(source, destination);
    }

    /// <summary>Rounds every element of <paramref name="source"/> to the nearest <see cref="Half"/> (ties to even) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The spans' lengths differ.</exception>
    public static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        KernelArguments.RequireLength(destination.Length, source.Length, nameof(destination));
        Narrow(source, destination);
    }

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
            Widen(input.Slice(start, length), target);
            Add(target, addend.Slice(start, length), target);
            Narrow(target, rounded.Slice(0, length));
            Widen(rounded.Slice(0, length), target);
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
            Widen(input.Slice(start, length), target);
            if (!inputBias.IsEmpty)
            {
                Add(target, inputBias.Slice(start, length), target);
            }

            Widen(residual.Slice(start, length), other);
            Add(target, other, target);
            Narrow(target, sum.Slice(start, length));
            Widen(sum.Slice(start, length), target);
        }
    }

    private static void Widen(ReadOnlySpan<Half> source, Span<float> destination)
    {
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<Half, ushort>(source);
        Span<uint> output = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref ushort input = ref MemoryMarshal.GetReference(bits);
            ref uint result = ref MemoryMarshal.GetReference(output);
            int step = Vector<ushort>.Count;
            for (; i <= bits.Length - step; i += step)
            {
                Vector<ushort> halves = Unsafe.ReadUnaligned<Vector<ushort>>(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref input, i)));
                Vector.Widen(halves, out Vector<uint> low, out Vector<uint> high);
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref result, i)), WidenBits(low));
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref result, i + step / 2)), WidenBits(high));
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    private static void Narrow(ReadOnlySpan<float> source, Span<Half> destination)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(source);
        Span<ushort> output = MemoryMarshal.Cast<Half, ushort>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref uint input = ref MemoryMarshal.GetReference(bits);
            ref ushort result = ref MemoryMarshal.GetReference(output);
            int step = Vector<ushort>.Count;
            for (; i <= bits.Length - step; i += step)
            {
                Vector<uint> low = Unsafe.ReadUnaligned<Vector<uint>>(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref input, i)));
                Vector<uint> high = Unsafe.ReadUnaligned<Vector<uint>>(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref input, i + step / 2)));
                Unsafe.WriteUnaligned(ref Unsafe.As<ushort, byte>(ref Unsafe.Add(ref result, i)), Vector.Narrow(NarrowBits(low), NarrowBits(high)));
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (Half)source[i];
        }
    }

    /// <summary>The float bits of each lane's Half bits (in the low 16 bits): exact, subnormals renormalized.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> WidenBits(Vector<uint> half)
    {
        const uint ExponentMask = 0x7C00u << 13;
        Vector<uint> bits = Vector.ShiftLeft(half & new Vector<uint>(0x7FFF), 13);
        Vector<uint> exponent = bits & new Vector<uint>(ExponentMask);
        bits += new Vector<uint>((127 - 15) << 23);

        // Infinity and NaN take the largest exponent; subnormals (and zero) are renormalized through a float subtraction.
        Vector<uint> special = bits + new Vector<uint>((128 - 16) << 23);
        Vector<uint> subnormal = Vector.AsVectorUInt32(
            Vector.AsVectorSingle(bits + new Vector<uint>(1u << 23)) - Vector.AsVectorSingle(new Vector<uint>(113u << 23)));
        bits = Vector.ConditionalSelect(Vector.Equals(exponent, new Vector<uint>(ExponentMask)), special, bits);
        bits = Vector.ConditionalSelect(Vector.Equals(exponent, Vector<uint>.Zero), subnormal, bits);
        return bits | Vector.ShiftLeft(half & new Vector<uint>(0x8000), 16);
    }

    /// <summary>The Half bits (in the low 16 bits) of each float lane, rounded to nearest, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> NarrowBits(Vector<uint> single)
    {
        Vector<uint> sign = single & new Vector<uint>(0x80000000u);
        Vector<uint> magnitude = single ^ sign;

        // At or above Half's overflow threshold: infinity, or a quiet NaN for NaN.
        Vector<uint> overflow = Vector.GreaterThanOrEqual(magnitude, new Vector<uint>((127 + 16) << 23));
        Vector<uint> infinityOrNaN = Vector.ConditionalSelect(
            Vector.GreaterThan(magnitude, new Vector<uint>(255u << 23)), new Vector<uint>(0x7E00), new Vector<uint>(0x7C00));

        // Below Half's smallest normal: let a float addition of a magic constant round the subnormal mantissa.
        Vector<uint> tiny = Vector.LessThan(magnitude, new Vector<uint>(113u << 23));
        Vector<uint> magic = new((127 - 15 + 23 - 10 + 1) << 23);
        Vector<uint> subnormal = Vector.AsVectorUInt32(Vector.AsVectorSingle(magnitude) + Vector.AsVectorSingle(magic)) - magic;

        // Normal: rebias the exponent and round the 13 dropped bits to nearest, ties to even.
        Vector<uint> odd = Vector.ShiftRightLogical(magnitude, 13) & Vector<uint>.One;
        Vector<uint> normal = Vector.ShiftRightLogical(magnitude + new Vector<uint>(unchecked((uint)((15 - 127) << 23)) + 0xFFF) + odd, 13);

        Vector<uint> bits = Vector.ConditionalSelect(overflow, infinityOrNaN, Vector.ConditionalSelect(tiny, subnormal, normal));
        return bits | Vector.ShiftRightLogical(sign, 16);
    }

    private static void Add(ReadOnlySpan<float> left, ReadOnlySpan<float> right, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= left.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(left.Slice(i)) + new Vector<float>(right.Slice(i))).CopyTo(destination.Slice(i));
            }
        }

        for (; i < left.Length; i++)
        {
            destination[i] = left[i] + right[i];
        }
    }
}
