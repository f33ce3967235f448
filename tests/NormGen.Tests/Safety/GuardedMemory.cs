using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace NormGen.Tests.Safety;

/// <summary>
/// Native memory whose last byte sits right before an inaccessible page: reading or writing even one
/// element past the end faults at once instead of going unnoticed. Linux mmap/mprotect through libc.
/// </summary>
internal sealed unsafe class GuardedMemory : IDisposable
{
    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;

    private readonly nint _mapping;
    private readonly nuint _mappingLength;

    /// <summary>Maps enough pages for <paramref name="bytes"/> plus one guard page after them.</summary>
    public GuardedMemory(int bytes)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        nuint dataPages = ((nuint)Math.Max(bytes, 1) + page - 1) / page;
        _mappingLength = (dataPages + 1) * page;
        _mapping = Mmap(0, _mappingLength, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (_mapping == -1)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "mmap failed");
        }

        nint guard = _mapping + (nint)(dataPages * page);
        if (Mprotect(guard, page, ProtNone) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "mprotect failed");
        }

        End = (byte*)guard;
    }

    /// <summary>The first byte of the guard page: a buffer placed here ends exactly at it.</summary>
    public byte* End { get; }

    /// <summary>The <paramref name="length"/> elements of <typeparamref name="T"/> that end exactly at the guard page.</summary>
    public Span<T> Tail<T>(int length)
        where T : unmanaged
        => new(End - (length * sizeof(T)), length);

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        Munmap(_mapping, _mappingLength);
    }

    ~GuardedMemory() => Munmap(_mapping, _mappingLength);

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int Mprotect(nint address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(nint address, nuint length);
}
