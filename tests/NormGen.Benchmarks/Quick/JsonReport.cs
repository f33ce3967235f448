using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>The quick mode's rows as JSON: one object per case and pass, plus the floors and the machine.</summary>
internal static class JsonReport
{
    public static void Write(
        string path, MachineInfo machine, double? othersDuringRun, IReadOnlyList<QuickResult> results, IReadOnlyList<FloorOutcome> floors)
    {
        CreateDirectoryFor(path);
        using FileStream stream = File.Create(path);
        // Relaxed escaping keeps "fwd+bwd" and the case names readable; the file is data, never HTML.
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });

        json.WriteStartObject();
        json.WriteStartObject("machine");
        json.WriteNumber("processors", machine.Processors);
        json.WriteString("os", machine.Os);
        json.WriteString("runtime", machine.Runtime);
        json.WriteString("simd", machine.Simd);
        json.WriteNumber("torch_threads", machine.TorchThreads);
        if (machine.OtherProcessesCores is { } before)
        {
            json.WriteNumber("other_processes_cores_at_start", Round(before));
        }

        if (othersDuringRun is { } during)
        {
            json.WriteNumber("other_processes_cores_during_run", Round(during));
        }

        json.WriteEndObject();

        json.WriteString("method", "median microseconds per call, all implementations in one process, same inputs; " +
            "copy_us is the roofline: fwd copies x to y; fwd+bwd also reads dy and x and writes dx once");

        json.WriteStartArray("rows");
        foreach (QuickResult result in results)
        {
            json.WriteStartObject();
            json.WriteString("case", result.Case);
            json.WriteString("pass", PassNames.Short(result.Pass));
            json.WriteNumber("normgen_us", Round(result.NormGenUs));
            json.WriteNumber("torchsharp_us", Round(result.TorchSharpUs));
            json.WriteNumber("tensorprimitives_us", Round(result.TensorPrimitivesUs));
            json.WriteNumber("copy_us", Round(result.CopyUs));
            json.WriteNumber("speedup_vs_torchsharp", Round(result.SpeedupVsTorchSharp));
            json.WriteNumber("speedup_vs_tensorprimitives", Round(result.SpeedupVsTensorPrimitives));
            json.WriteNumber("copy_share", Round(result.CopyShare));
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("floors");
        foreach (FloorOutcome outcome in floors)
        {
            json.WriteStartObject();
            json.WriteString("case", outcome.Floor.Case);
            json.WriteString("pass", PassNames.Short(outcome.Floor.Pass));
            json.WriteString("metric", outcome.Floor.MetricName);
            json.WriteNumber("minimum", outcome.Floor.Minimum);
            json.WriteNumber("measured", Round(outcome.Value));
            json.WriteBoolean("holds", outcome.Holds);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    internal static void CreateDirectoryFor(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    private static double Round(double value) => Math.Round(value, 3);
}
