using System;
using System.Collections.Generic;
using NormGen.Benchmarks.Workloads;

namespace NormGen.Benchmarks
{
    /// <summary>
    /// ConvNeXt's channels-first LayerNorm: over C of an N,C,H,W feature map (ConvNeXt-T's first stage, 96 channels
    /// at 56×56), normalized in place in that layout.
    /// </summary>
    [LayerNorm("lnChannelsFirst", Layout = "N,C=96,H=56,W=56", Axes = "C", Eps = 1e-6)]
    public static partial class BenchmarkNorms
    {
    }
}

namespace NormGen.Benchmarks.Workloads
{
    /// <summary>The channels-first cases: one statistic per (n, h, w), across C, in NCHW memory.</summary>
    internal static class ChannelsFirstCases
    {
        public static IEnumerable<NormCase> All =>
        [
            NormCase.ChannelsFirst(
                "LayerNorm C of [32,96,56,56]", [32, 96, 56, 56], BenchmarkNorms.LnChannelsFirst.Epsilon,
                static (data, pass) => new NormGenWorkload<LnChannelsFirstKernel>(data, pass),
                static (data, pass) => new ChannelsFirstTorchSharpWorkload(data, pass),
                static (data, pass) => new ChannelsFirstTensorPrimitivesWorkload(data, pass)),
        ];
    }

    internal readonly struct LnChannelsFirstKernel : INormGenKernel
    {
        public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
            => BenchmarkNorms.LnChannelsFirst.Forward(input, weight, bias, output);

        public static void Forward(
            ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd)
            => BenchmarkNorms.LnChannelsFirst.Forward(input, weight, bias, output, mean, rstd);

        public static void Backward(
            ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
            Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias)
            => BenchmarkNorms.LnChannelsFirst.Backward(gradOutput, input, weight, mean, rstd, gradInput, gradWeight, gradBias);
    }
}
