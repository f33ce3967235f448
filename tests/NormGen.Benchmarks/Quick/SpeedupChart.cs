using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>
/// A self-contained SVG bar chart of NormGen's speedup over each baseline, per case and pass, on a log
/// scale anchored at 1× (bars to the right are faster, to the left slower). Floors are marked on their bars.
/// </summary>
internal static class SpeedupChart
{
    private const double PlotWidth = 600;
    private const double LegendY = 86;
    private const double Top = 112;
    private const double BarHeight = 13;
    private const double BarGap = 3;
    private const double GroupGap = 14;

    private static readonly (string Name, string Color, Func<QuickResult, double> Value)[] Series =
    [
        ("vs TorchSharp", "#e4572e", r => r.SpeedupVsTorchSharp),
        ("vs TensorPrimitives", "#512bd4", r => r.SpeedupVsTensorPrimitives),
    ];

    public static void Write(string path, MachineInfo machine, IReadOnlyList<QuickResult> results)
    {
        JsonReport.CreateDirectoryFor(path);
        File.WriteAllText(path, Render(machine, results), new UTF8Encoding(false));
    }

    public static string Render(MachineInfo machine, IReadOnlyList<QuickResult> results)
    {
        double[] values = results.SelectMany(r => Series.Select(s => s.Value(r))).Where(v => v > 0 && double.IsFinite(v)).DefaultIfEmpty(1).ToArray();
        double low = Math.Min(0.5, values.Min() / 1.25);
        double high = Math.Max(2, values.Max() * 1.35);
        // The label column fits the longest case label; the plot keeps its width to the right of it.
        double labelRight = Math.Max(300, 20 + results.Select(r => TextWidth(Label(r))).DefaultIfEmpty(0).Max());
        double plotLeft = labelRight + 15;
        double plotRight = plotLeft + PlotWidth;
        double width = plotRight + 60;
        double X(double value) => plotLeft + (Math.Log10(value) - Math.Log10(low)) / (Math.Log10(high) - Math.Log10(low)) * (plotRight - plotLeft);

        double groupHeight = Series.Length * (BarHeight + BarGap) - BarGap;
        double plotBottom = Top + results.Count * (groupHeight + GroupGap);
        double height = plotBottom + 58;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:0}\" viewBox=\"0 0 {width} {height:0}\" font-family=\"Segoe UI, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height:0}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Invariant($"<text x=\"20\" y=\"28\" font-size=\"17\" font-weight=\"600\" fill=\"#111\">NormGen speedup over TorchSharp and a hand-written TensorPrimitives norm</text>\n"));
        svg.Append(Invariant($"<text x=\"20\" y=\"46\" fill=\"#555\">{Escape(machine.ToString())}.</text>\n"));
        svg.Append(Invariant($"<text x=\"20\" y=\"62\" fill=\"#555\">Median time per call, all implementations in one process on the same inputs. Log scale: right of 1× is faster.</text>\n"));

        // Legend.
        double legendX = 20;
        foreach ((string name, string color, _) in Series)
        {
            string label = "NormGen " + name;
            svg.Append(Invariant($"<rect x=\"{legendX}\" y=\"{LegendY - 10}\" width=\"12\" height=\"12\" fill=\"{color}\"/>\n"));
            svg.Append(Invariant($"<text x=\"{legendX + 17}\" y=\"{LegendY}\" fill=\"#222\">{Escape(label)}</text>\n"));
            legendX += 17 + TextWidth(label) + 24;
        }

        svg.Append(Invariant($"<line x1=\"{legendX + 5}\" y1=\"{LegendY - 11}\" x2=\"{legendX + 5}\" y2=\"{LegendY + 2}\" stroke=\"#111\" stroke-width=\"2\"/>\n"));
        svg.Append(Invariant($"<text x=\"{legendX + 12}\" y=\"{LegendY}\" fill=\"#222\">floor to hold (speedup vs TorchSharp)</text>\n"));

        // Grid: 1, 2 and 5 per decade while they fit, else powers of ten.
        double[] mantissas = Math.Log10(high / low) <= 3 ? [1.0, 2.0, 5.0] : [1.0];
        for (int exponent = (int)Math.Floor(Math.Log10(low)); exponent <= (int)Math.Ceiling(Math.Log10(high)); exponent++)
        {
            foreach (double mantissa in mantissas)
            {
                double tick = mantissa * Math.Pow(10, exponent);
                if (tick < low || tick > high)
                {
                    continue;
                }

                bool one = Math.Abs(tick - 1) < 1e-9;
                svg.Append(Invariant($"<line x1=\"{X(tick):0.0}\" y1=\"{Top - 6}\" x2=\"{X(tick):0.0}\" y2=\"{plotBottom:0.0}\" stroke=\"{(one ? "#333" : "#e3e3e3")}\" stroke-width=\"{(one ? 1.5 : 1)}\"/>\n"));
                svg.Append(Invariant($"<text x=\"{X(tick):0.0}\" y=\"{plotBottom + 16:0.0}\" text-anchor=\"middle\" fill=\"#555\">{tick.ToString("0.##", CultureInfo.InvariantCulture)}×</text>\n"));
            }
        }

        svg.Append(Invariant($"<text x=\"{(plotLeft + plotRight) / 2:0.0}\" y=\"{plotBottom + 36:0.0}\" text-anchor=\"middle\" fill=\"#333\">speedup (baseline time / NormGen time)</text>\n"));

        double y = Top;
        foreach (QuickResult result in results)
        {
            svg.Append(Invariant($"<text x=\"{labelRight}\" y=\"{y + groupHeight / 2 - 2:0.0}\" text-anchor=\"end\" fill=\"#111\">{Escape(Label(result))}</text>\n"));
            svg.Append(Invariant($"<text x=\"{labelRight}\" y=\"{y + groupHeight / 2 + 12:0.0}\" text-anchor=\"end\" fill=\"#777\" font-size=\"11\">{result.NormGenUs.ToString("0.##", CultureInfo.InvariantCulture)} µs, {(result.CopyShare * 100).ToString("0", CultureInfo.InvariantCulture)}% of copy roofline</text>\n"));

            double floorX = Floors.All
                .Where(f => f.Case == result.Case && f.Pass == result.Pass && f.MetricName == "speedup vs TorchSharp")
                .Select(f => X(f.Minimum))
                .DefaultIfEmpty(0)
                .Max();
            double barY = y;
            bool first = true;
            foreach ((string name, string color, Func<QuickResult, double> value) in Series)
            {
                double v = value(result);
                double from = X(1), to = X(Math.Clamp(v, low, high));
                double labelX = Math.Max(from, to) + 4;
                if (first && floorX > 0 && Math.Abs(floorX - labelX) < 40)
                {
                    // Keep the value clear of the floor marker on the same bar.
                    labelX = Math.Max(labelX, floorX + 5);
                }

                first = false;
                svg.Append(Invariant($"<rect x=\"{Math.Min(from, to):0.0}\" y=\"{barY:0.0}\" width=\"{Math.Max(1, Math.Abs(to - from)):0.0}\" height=\"{BarHeight}\" fill=\"{color}\"><title>{Escape(result.Case)} {PassNames.Short(result.Pass)}: {v.ToString("0.00", CultureInfo.InvariantCulture)}× {Escape(name)}</title></rect>\n"));
                svg.Append(Invariant($"<text x=\"{labelX:0.0}\" y=\"{barY + BarHeight - 2:0.0}\" fill=\"#222\" font-size=\"11\">{v.ToString(v < 10 ? "0.00" : v < 100 ? "0.0" : "0", CultureInfo.InvariantCulture)}×</text>\n"));
                barY += BarHeight + BarGap;
            }

            foreach (Floor floor in Floors.All.Where(f => f.Case == result.Case && f.Pass == result.Pass && f.MetricName == "speedup vs TorchSharp"))
            {
                double fx = X(floor.Minimum);
                svg.Append(Invariant($"<line x1=\"{fx:0.0}\" y1=\"{y - 2:0.0}\" x2=\"{fx:0.0}\" y2=\"{y + BarHeight + 2:0.0}\" stroke=\"#111\" stroke-width=\"2\"><title>floor: {floor.Minimum.ToString("0.0#", CultureInfo.InvariantCulture)}× vs TorchSharp</title></line>\n"));
            }

            y += groupHeight + GroupGap;
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Label(QuickResult result) => $"{result.Case} · {PassNames.Short(result.Pass)}";

    // About 6.5 px per character at 12 px in the usual sans-serif fonts; enough to keep labels apart.
    private static double TextWidth(string text) => text.Length * 6.5;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
