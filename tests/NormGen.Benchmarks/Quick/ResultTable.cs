using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>The quick mode's summary table, in plain text that also reads as Markdown.</summary>
internal static class ResultTable
{
    private static readonly string[] Header =
        ["Case", "Pass", "NormGen µs", "TorchSharp µs", "TensorPrimitives µs", "Copy µs", "vs TorchSharp", "vs TensorPrimitives", "Copy/NormGen"];

    public static void Write(TextWriter writer, IReadOnlyList<QuickResult> results)
    {
        List<string[]> rows = results.Select(r => new[]
        {
            r.Case,
            PassNames.Short(r.Pass),
            Time(r.NormGenUs),
            Time(r.TorchSharpUs),
            Time(r.TensorPrimitivesUs),
            Time(r.CopyUs),
            Ratio(r.SpeedupVsTorchSharp) + "x",
            Ratio(r.SpeedupVsTensorPrimitives) + "x",
            Ratio(r.CopyShare),
        }).ToList();

        int[] widths = Enumerable.Range(0, Header.Length)
            .Select(column => rows.Select(row => row[column].Length).Append(Header[column].Length).Max())
            .ToArray();

        WriteRow(writer, Header, widths);
        writer.WriteLine("|" + string.Join("|", widths.Select((w, column) => column < 2 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (string[] row in rows)
        {
            WriteRow(writer, row, widths);
        }

        writer.WriteLine("Copy: the copy roofline (fwd: copy x to y; fwd+bwd: that, plus one pass reading dy and x and writing dx).");
        writer.WriteLine("Copy/NormGen: share of the roofline NormGen reaches (1.00 = as fast as moving the bytes).");
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths) =>
        writer.WriteLine("| " + string.Join(" | ", cells.Select((cell, column) => column < 2 ? cell.PadRight(widths[column]) : cell.PadLeft(widths[column]))) + " |");

    private static string Time(double microseconds) => microseconds.ToString(microseconds < 100 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture);
}
