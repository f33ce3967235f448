using System;
using System.Numerics.Tensors;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// LayerNorm and RMSNorm as a .NET developer writes them today with <see cref="TensorPrimitives"/>: one
/// library call per step of the formula, per row. Each step is vectorized, but each is its own pass over
/// the row. Row ranges let the caller split the rows across threads.
/// </summary>
internal static class TensorPrimitivesNorms
{
    public static void LayerNormForward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        Span<float> mean, Span<float> rstd, int rowLength, float epsilon)
    {
        for (int row = 0; row < x.Length / rowLength; row++)
        {
            ReadOnlySpan<float> xr = x.Slice(row * rowLength, rowLength);
            Span<float> yr = y.Slice(row * rowLength, rowLength);

            float m = TensorPrimitives.Sum(xr) / rowLength;
            TensorPrimitives.Subtract(xr, m, yr);
            float r = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(yr) / rowLength + epsilon);
            TensorPrimitives.Multiply(yr, r, yr);
            TensorPrimitives.MultiplyAdd(yr, weight, bias, yr);

            if (!mean.IsEmpty)
            {
                mean[row] = m;
                rstd[row] = r;
            }
        }
    }

    /// <summary>
    /// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ and x̂ = (x − mean)·rstd; adds dy·x̂ and dy into the
    /// caller's parameter-gradient accumulators. <paramref name="xhat"/> and <paramref name="g"/> are row-long scratch.
    /// </summary>
    public static void LayerNormBackward(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        Span<float> dx, Span<float> dweight, Span<float> dbias, Span<float> xhat, Span<float> g, int rowLength)
    {
        for (int row = 0; row < x.Length / rowLength; row++)
        {
            ReadOnlySpan<float> dyr = dy.Slice(row * rowLength, rowLength);
            ReadOnlySpan<float> xr = x.Slice(row * rowLength, rowLength);
            Span<float> dxr = dx.Slice(row * rowLength, rowLength);
            float r = rstd[row];

            TensorPrimitives.Subtract(xr, mean[row], xhat);
            TensorPrimitives.Multiply(xhat, r, xhat);
            TensorPrimitives.Multiply(dyr, weight, g);
            float gMean = TensorPrimitives.Sum(g) / rowLength;
            float gxMean = TensorPrimitives.Dot(g, xhat) / rowLength;

            TensorPrimitives.MultiplyAdd(xhat, -gxMean, g, dxr);
            TensorPrimitives.Add(dxr, -gMean, dxr);
            TensorPrimitives.Multiply(dxr, r, dxr);

            TensorPrimitives.MultiplyAdd(dyr, xhat, dweight, dweight);
            TensorPrimitives.Add(dbias, dyr, dbias);
        }
    }

    public static void RmsNormForward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, Span<float> rstd, int rowLength, float epsilon)
    {
        for (int row = 0; row < x.Length / rowLength; row++)
        {
            ReadOnlySpan<float> xr = x.Slice(row * rowLength, rowLength);
            Span<float> yr = y.Slice(row * rowLength, rowLength);

            float r = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xr) / rowLength + epsilon);
            TensorPrimitives.Multiply(xr, r, yr);
            TensorPrimitives.Multiply(yr, weight, yr);

            if (!rstd.IsEmpty)
            {
                rstd[row] = r;
            }
        }
    }

    /// <summary>dx = rstd·(g − x̂·mean(g·x̂)) with g = dy·γ and x̂ = x·rstd; adds dy·x̂ into the weight-gradient accumulator.</summary>
    public static void RmsNormBackward(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> rstd,
        Span<float> dx, Span<float> dweight, Span<float> xhat, Span<float> g, int rowLength)
    {
        for (int row = 0; row < x.Length / rowLength; row++)
        {
            ReadOnlySpan<float> dyr = dy.Slice(row * rowLength, rowLength);
            ReadOnlySpan<float> xr = x.Slice(row * rowLength, rowLength);
            Span<float> dxr = dx.Slice(row * rowLength, rowLength);
            float r = rstd[row];

            TensorPrimitives.Multiply(xr, r, xhat);
            TensorPrimitives.Multiply(dyr, weight, g);
            float gxMean = TensorPrimitives.Dot(g, xhat) / rowLength;

            TensorPrimitives.MultiplyAdd(xhat, -gxMean, g, dxr);
            TensorPrimitives.Multiply(dxr, r, dxr);

            TensorPrimitives.MultiplyAdd(dyr, xhat, dweight, dweight);
        }
    }
}
