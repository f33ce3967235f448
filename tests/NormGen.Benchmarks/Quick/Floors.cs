using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks.Quick;

/// <summary>The performance floors the kernels must hold on a 2-core AVX-512 machine, side by side in one process.</summary>
internal static class Floors
{
    public static IReadOnlyList<Floor> All { get; } =
    [
        new("LayerNorm [4096,768]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 1.5),
        new("LayerNorm [1,768]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 10),
        new("LayerNorm [8192,4096]", Pass.Forward, "share of copy roofline", r => r.CopyShare, 0.9),
        new("LayerNorm [4096,768]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2.5),
        new("LayerNorm C,H,W of [32,64,32,32]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 1.5),
        new("LayerNorm C,H,W of [32,64,32,32]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("LayerNorm C of [32,96,56,56]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 3),
        new("LayerNorm C of [32,96,56,56]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("LayerNorm+residual [4096,768]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("LayerNorm+residual [4096,768]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("GroupNorm(8) [32,64,32,32]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 1.5),
        new("GroupNorm(8) [32,64,32,32]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("GroupNorm(8) NHWC [32,32,32,64]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("GroupNorm(8) NHWC [32,32,32,64]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("BatchNorm2d [32,64,32,32]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 3),
        new("BatchNorm2d eval [32,64,32,32]", Pass.Forward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 1.5),
        new("BatchNorm2d [32,64,32,32]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
        new("BatchNorm2d eval [32,64,32,32]", Pass.ForwardBackward, "speedup vs TorchSharp", r => r.SpeedupVsTorchSharp, 2),
    ];

    /// <summary>Each floor whose case was measured, with the measured value and whether it holds.</summary>
    public static IEnumerable<FloorOutcome> Evaluate(IReadOnlyList<QuickResult> results)
    {
        foreach (Floor floor in All)
        {
            QuickResult? result = results.FirstOrDefault(r => r.Case == floor.Case && r.Pass == floor.Pass);
            if (result is not null)
            {
                double value = floor.Metric(result);
                yield return new FloorOutcome(floor, value, value >= floor.Minimum);
            }
        }
    }
}

internal sealed record Floor(string Case, Pass Pass, string MetricName, Func<QuickResult, double> Metric, double Minimum)
{
    public string Description => $"{Case} {PassNames.Short(Pass)}: {MetricName} >= {Minimum:0.0#}";
}

internal sealed record FloorOutcome(Floor Floor, double Value, bool Holds);
