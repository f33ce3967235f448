using System;
using System.Collections.Generic;
using System.IO;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>
/// Before anything is timed: every implementation's outputs must match TorchSharp's on the very inputs
/// that will be timed, so a broken kernel cannot post a fast time. A sanity check, not a test suite.
/// </summary>
internal static class ParityCheck
{
    /// <summary>Largest error allowed, relative to the largest magnitude in TorchSharp's output (at least 1).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Checks every pass of <paramref name="data"/>; writes one line per pass and returns whether all matched.</summary>
    public static bool Run(CaseData data, TextWriter log)
    {
        bool allMatch = true;
        foreach (Pass pass in Enum.GetValues<Pass>())
        {
            IReadOnlyDictionary<string, float[]> reference = Capture(Implementation.TorchSharp, data, pass);
            var parts = new List<string>();
            foreach (Implementation implementation in new[] { Implementation.NormGen, Implementation.TensorPrimitives })
            {
                IReadOnlyDictionary<string, float[]> actual = Capture(implementation, data, pass);
                (double error, string worst) = WorstError(reference, actual);
                bool match = error <= Tolerance;
                allMatch &= match;
                parts.Add($"{implementation} {error:0.0e+0} ({worst}){(match ? "" : " MISMATCH")}");
            }

            log.WriteLine($"  parity {data.Case.Name,-34} {PassNames.Short(pass),-8} {string.Join(", ", parts)}");
        }

        return allMatch;
    }

    private static IReadOnlyDictionary<string, float[]> Capture(Implementation implementation, CaseData data, Pass pass)
    {
        using Workload workload = implementation.Create(data, pass);
        return workload.Capture();
    }

    private static (double Error, string Output) WorstError(IReadOnlyDictionary<string, float[]> reference, IReadOnlyDictionary<string, float[]> actual)
    {
        double worst = 0;
        string worstName = "";
        foreach ((string name, float[] expected) in reference)
        {
            if (!actual.TryGetValue(name, out float[]? values) || values.Length != expected.Length)
            {
                return (double.PositiveInfinity, name + " missing");
            }

            double scale = 1;
            double error = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(expected[i]));
                double difference = Math.Abs((double)values[i] - expected[i]);

                // NaN compares false everywhere: count it as an infinite error.
                error = Math.Max(error, double.IsNaN(difference) ? double.PositiveInfinity : difference);
            }

            if (error / scale >= worst)
            {
                worst = error / scale;
                worstName = name;
            }
        }

        return (worst, worstName);
    }
}
