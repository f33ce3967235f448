using System;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// One calling convention over the generated kernels, so one workload type times them all; the JIT
/// specializes it per kernel, so the adapter costs nothing. RMSNorm ignores the bias and mean arguments.
/// </summary>
internal interface INormGenKernel
{
    static abstract void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    static abstract void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);

    static abstract void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias);
}

internal readonly struct Ln768Kernel : INormGenKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
        => BenchmarkNorms.Ln768.Forward(input, weight, bias, output);

    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd)
        => BenchmarkNorms.Ln768.Forward(input, weight, bias, output, mean, rstd);

    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias)
        => BenchmarkNorms.Ln768.Backward(gradOutput, input, weight, mean, rstd, gradInput, gradWeight, gradBias);
}

internal readonly struct Ln4096Kernel : INormGenKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
        => BenchmarkNorms.Ln4096.Forward(input, weight, bias, output);

    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd)
        => BenchmarkNorms.Ln4096.Forward(input, weight, bias, output, mean, rstd);

    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias)
        => BenchmarkNorms.Ln4096.Backward(gradOutput, input, weight, mean, rstd, gradInput, gradWeight, gradBias);
}

internal readonly struct LnChwKernel : INormGenKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
        => BenchmarkNorms.LnChw.Forward(input, weight, bias, output);

    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd)
        => BenchmarkNorms.LnChw.Forward(input, weight, bias, output, mean, rstd);

    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias)
        => BenchmarkNorms.LnChw.Backward(gradOutput, input, weight, mean, rstd, gradInput, gradWeight, gradBias);
}

internal readonly struct Rms768Kernel : INormGenKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
        => BenchmarkNorms.Rms768.Forward(input, weight, output);

    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd)
        => BenchmarkNorms.Rms768.Forward(input, weight, output, rstd);

    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias)
        => BenchmarkNorms.Rms768.Backward(gradOutput, input, weight, rstd, gradInput, gradWeight);
}
