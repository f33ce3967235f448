using System;

namespace NormGen.Kernels;

/// <summary>
/// Argument checks shared by every generated kernel. They run before any memory is touched and
/// throw <see cref="ArgumentException"/> naming the offending argument.
/// </summary>
public static class KernelArguments
{
    /// <summary>
    /// The number of rows in an input of <paramref name="length"/> elements whose rows hold
    /// <paramref name="rowLength"/> elements each.
    /// </summary>
    public static int RowCount(int length, int rowLength, string paramName)
    {
        if (length % rowLength != 0)
        {
            throw new ArgumentException(
                $"The length of '{paramName}' ({length}) is not a multiple of the normalized size ({rowLength}).", paramName);
        }

        return length / rowLength;
    }

    /// <summary>Requires <paramref name="length"/> to be exactly <paramref name="expected"/>.</summary>
    public static void RequireLength(int length, long expected, string paramName)
    {
        if (length != expected)
        {
            throw new ArgumentException(
                $"'{paramName}' has {length} elements; {expected} were expected.", paramName);
        }
    }

    /// <summary>Requires an optional buffer to be empty (not requested) or exactly <paramref name="expected"/> long.</summary>
    public static void RequireLengthOrEmpty(int length, long expected, string paramName)
    {
        if (length != 0 && length != expected)
        {
            throw new ArgumentException(
                $"'{paramName}' has {length} elements; {expected} were expected, or none to skip it.", paramName);
        }
    }

    /// <summary>
    /// Rejects an output that partly overlaps an input. Full aliasing (the same memory, in place) is
    /// allowed, because every kernel reads an element before it writes the element at that index.
    /// </summary>
    public static void RequireNoPartialOverlap<TIn, TOut>(ReadOnlySpan<TIn> input, Span<TOut> output, string outputName)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        if (input.IsEmpty || output.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<byte> inBytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(input);
        ReadOnlySpan<byte> outBytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<TOut>)output);
        if (inBytes.Overlaps(outBytes, out int offset) && (offset != 0 || inBytes.Length != outBytes.Length))
        {
            throw new ArgumentException(
                $"'{outputName}' partly overlaps an input; it may only be the same memory as the input or separate from it.", outputName);
        }
    }

    /// <summary>Rejects an output that overlaps an input at all.</summary>
    public static void RequireNoOverlap<TIn, TOut>(ReadOnlySpan<TIn> input, Span<TOut> output, string outputName)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        if (System.Runtime.InteropServices.MemoryMarshal.AsBytes(input)
            .Overlaps(System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<TOut>)output)))
        {
            throw new ArgumentException($"'{outputName}' overlaps an input.", outputName);
        }
    }
}
