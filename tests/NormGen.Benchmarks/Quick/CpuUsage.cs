using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace NormGen.Benchmarks.Quick;

/// <summary>
/// How many cores other processes kept busy over an interval: the machine's busy time from
/// <c>/proc/stat</c> minus this process's own CPU time. On a small shared machine that decides whether
/// multi-threaded timings can be trusted. Linux only; elsewhere it reports nothing.
/// </summary>
internal sealed class CpuUsage
{
    private readonly (long Busy, long Total)? _machineStart;
    private readonly TimeSpan _ownStart;
    private readonly long _wallStart;

    private CpuUsage()
    {
        _machineStart = ReadMachine();
        _ownStart = Process.GetCurrentProcess().TotalProcessorTime;
        _wallStart = Stopwatch.GetTimestamp();
    }

    public static CpuUsage Start() => new();

    /// <summary>Cores other processes kept busy, on average, since <see cref="Start"/>; null where unknown.</summary>
    public double? OtherProcessesCores()
    {
        (long Busy, long Total)? now = ReadMachine();
        if (_machineStart is not { } start || now is not { } end || end.Total <= start.Total)
        {
            return null;
        }

        double machineCores = (double)(end.Busy - start.Busy) / (end.Total - start.Total) * Environment.ProcessorCount;
        double ownCores = (Process.GetCurrentProcess().TotalProcessorTime - _ownStart).TotalSeconds
            / Stopwatch.GetElapsedTime(_wallStart).TotalSeconds;
        return Math.Max(0, machineCores - ownCores);
    }

    /// <summary>Busy and total jiffies over all CPUs, from the first line of <c>/proc/stat</c>.</summary>
    private static (long Busy, long Total)? ReadMachine()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string[] fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || fields[0] != "cpu")
            {
                return null;
            }

            long total = 0, idle = 0;
            for (int i = 1; i < fields.Length && i <= 8; i++)
            {
                long value = long.Parse(fields[i], CultureInfo.InvariantCulture);
                total += value;
                if (i is 4 or 5)
                {
                    idle += value; // idle, iowait
                }
            }

            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
