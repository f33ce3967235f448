using System;
using System.Buffers;
using System.Runtime.InteropServices;

namespace NormGen.Kernels;

/// <summary>
/// Pooled scratch for the per-block partial rows of a reduction (dγ, dβ), pinned for the duration of a
/// call and starting on a cache-line boundary.
/// </summary>
/// <remarks>
/// A backward kernel adds every row into its block's partial row with vector loads and stores. Pooled arrays
/// start wherever the allocator put them; from a misaligned start every 64-byte access straddles two cache
/// lines, and the read-modify-write of the partial rows then took as long as the rest of the backward pass.
/// Rent one with <c>using</c>; an empty request holds nothing and its <see cref="Span"/> is empty (a null pointer
/// once fixed), which is how a kernel is told to skip a gradient.
/// </remarks>
public unsafe struct PartialRows<T> : IDisposable
    where T : unmanaged
{
    /// <summary>The alignment of <see cref="Span"/>, in bytes: one cache line, and the widest vector.</summary>
    public const int Alignment = 64;

    private T[]? _array;
    private GCHandle _handle;
    private T* _start;
    private int _length;

    /// <summary>Rents <paramref name="length"/> elements (none when it is zero), pinned and aligned.</summary>
    public static PartialRows<T> Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return default;
        }

        T[] array = ArrayPool<T>.Shared.Rent(length + Alignment / sizeof(T));
        GCHandle handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        nuint address = (nuint)handle.AddrOfPinnedObject();
        nuint aligned = (address + Alignment - 1) & ~(nuint)(Alignment - 1);
        return new PartialRows<T> { _array = array, _handle = handle, _start = (T*)aligned, _length = length };
    }

    /// <summary>The rented elements; their contents are whatever the pool held.</summary>
    public readonly Span<T> Span => new(_start, _length);

    /// <summary>Unpins the memory and returns it to the pool.</summary>
    public void Dispose()
    {
        if (_array is null)
        {
            return;
        }

        _handle.Free();
        ArrayPool<T>.Shared.Return(_array);
        this = default;
    }
}
