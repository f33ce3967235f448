using System;
using System.Linq;
using NormGen.Kernels;
using NormGen.Tests.ActivationKernels;
using NormGen.Tests.Support;

namespace NormGen.Tests.Fusions;

/// <summary>Inputs of one fused call, in double, already rounded to the case's element type. Absent pieces are empty.</summary>
internal sealed record FusedInputs(double[] X, double[] InputBias, double[] Residual, double[] Weight, double[] Bias, double[] GradOutput);

/// <summary>What a fused call (or the unfused composition) produced, widened to double. Absent pieces are empty.</summary>
internal sealed record FusedResults(
    double[] Output, double[] ResidualOutput, double[] Mean, double[] Rstd,
    double[] GradInput, double[] GradInputBias, double[] GradWeight, double[] GradBias);

/// <summary>
/// One fused kernel under test, the plain kernel of the same shape beside it, and what the fusion is:
/// enough to run it, run the unfused composition, and compute the float64 reference.
/// </summary>
internal abstract class FusedCase
{
    public required string Name { get; init; }

    public required int RowLength { get; init; }

    public required double Epsilon { get; init; }

    public required bool Centered { get; init; }

    public required bool HasWeight { get; init; }

    public required bool HasBias { get; init; }

    public bool Residual { get; init; }

    public bool InputBias { get; init; }

    public ActivationKind? Activation { get; init; }

    public abstract string ElementName { get; }

    public bool IsHalf => ElementName == "Half";

    public bool IsDouble => ElementName == "double";

    public override string ToString() => Name;

    /// <summary>Seeded inputs for <paramref name="rows"/> rows, rounded to the element type.</summary>
    public FusedInputs Inputs(int rows, int seed)
    {
        int n = rows * RowLength;
        double[] Maybe(bool present, Func<double[]> values) => present ? Round(values()) : [];
        return new FusedInputs(
            Round(TestData.Normal(n, seed, mean: 0.3, std: 1.5)),
            Maybe(InputBias, () => TestData.Normal(RowLength, seed + 1, std: 0.5)),
            Maybe(Residual, () => TestData.Normal(n, seed + 2, std: 1)),
            Maybe(HasWeight, () => TestData.Normal(RowLength, seed + 3, mean: 1, std: 0.5)),
            Maybe(HasBias, () => TestData.Normal(RowLength, seed + 4, std: 0.5)),
            Round(TestData.Normal(n, seed + 5)));
    }

    public abstract double[] Round(double[] values);

    /// <summary>Runs the fused kernel's forward and backward.</summary>
    public abstract FusedResults RunFused(FusedInputs inputs);

    /// <summary>Runs separate steps in the element type: the adds, the plain kernel, the activation (and back).</summary>
    public abstract FusedResults RunUnfused(FusedInputs inputs);

    /// <summary>The fused forward alone, for finite differences: the output, widened.</summary>
    public abstract double[] ForwardOutput(FusedInputs inputs);
}

/// <summary>The spans a fused or plain kernel call takes, as arrays (empty where the kernel has no such span).</summary>
internal sealed class FusedBuffers<TS, TStat>
{
    public TS[] X = [], Ib = [], Res = [], W = [], B = [], Y = [], ResOut = [];
    public TStat[] Mean = [], Rstd = [];
    public TS[] Dy = [], Dx = [], Dib = [], Dw = [], Db = [];
}

/// <summary>A <see cref="FusedCase"/> for storage type <typeparamref name="TS"/> and statistics type <typeparamref name="TStat"/>.</summary>
internal sealed class FusedCase<TS, TStat> : FusedCase
    where TS : unmanaged
    where TStat : unmanaged
{
    public required Action<FusedBuffers<TS, TStat>> Forward { get; init; }

    public required Action<FusedBuffers<TS, TStat>> Backward { get; init; }

    /// <summary>The plain norm's forward: normalizes <c>X</c> into <c>Y</c>.</summary>
    public required Action<FusedBuffers<TS, TStat>> PlainForward { get; init; }

    /// <summary>The plain norm's backward: <c>Dy</c>, <c>X</c> → <c>Dx</c>, <c>Dw</c>, <c>Db</c>.</summary>
    public required Action<FusedBuffers<TS, TStat>> PlainBackward { get; init; }

    public override string ElementName => typeof(TS) == typeof(double) ? "double" : typeof(TS) == typeof(Half) ? "Half" : "float";

    public override double[] Round(double[] values) => Array.ConvertAll(values, v => ToDouble(FromDouble(v)));

    public override FusedResults RunFused(FusedInputs inputs)
    {
        var k = Allocate(inputs);
        Forward(k);
        Backward(k);
        return Results(k);
    }

    public override double[] ForwardOutput(FusedInputs inputs)
    {
        var k = Allocate(inputs);
        Forward(k);
        return Widen(k.Y);
    }

    public override FusedResults RunUnfused(FusedInputs inputs)
    {
        var k = Allocate(inputs);
        int n = k.X.Length, rows = n / RowLength;

        // The adds, one at a time, each rounded to the element type.
        TS[] sum = (TS[])k.X.Clone();
        if (InputBias)
        {
            for (int i = 0; i < n; i++)
            {
                sum[i] = Add(sum[i], k.Ib[i % RowLength]);
            }
        }

        if (Residual)
        {
            for (int i = 0; i < n; i++)
            {
                sum[i] = Add(sum[i], k.Res[i]);
            }
        }

        // The plain norm, then the activation.
        var plain = new FusedBuffers<TS, TStat>
        {
            X = sum, W = k.W, B = k.B, Y = new TS[n], Mean = Centered ? new TStat[rows] : [], Rstd = new TStat[rows],
        };
        PlainForward(plain);
        TS[] z = plain.Y;
        TS[] y = Activation is { } kind ? Activate(kind, z) : z;

        // Backward: dz = dy·act'(z), then the plain norm's backward on the sum.
        TS[] dz = Activation is { } act ? ActivateBackward(act, z, k.Dy) : k.Dy;
        plain.Dy = dz;
        plain.Dx = new TS[n];
        plain.Dw = HasWeight ? new TS[RowLength] : [];
        plain.Db = HasBias ? new TS[RowLength] : [];
        PlainBackward(plain);

        double[] dx = Widen(plain.Dx);
        double[] dib = [];
        if (InputBias)
        {
            dib = new double[RowLength];
            for (int i = 0; i < n; i++)
            {
                dib[i % RowLength] += dx[i];
            }
        }

        return new FusedResults(Widen(y), Residual ? Widen(sum) : [], WidenStats(plain.Mean), WidenStats(plain.Rstd),
            dx, dib, Widen(plain.Dw), Widen(plain.Db));
    }

    private FusedBuffers<TS, TStat> Allocate(FusedInputs inputs)
    {
        int n = inputs.X.Length, rows = n / RowLength;
        return new FusedBuffers<TS, TStat>
        {
            X = Narrow(inputs.X),
            Ib = Narrow(inputs.InputBias),
            Res = Narrow(inputs.Residual),
            W = Narrow(inputs.Weight),
            B = Narrow(inputs.Bias),
            Y = new TS[n],
            ResOut = Residual ? new TS[n] : [],
            Mean = Centered ? new TStat[rows] : [],
            Rstd = new TStat[rows],
            Dy = Narrow(inputs.GradOutput),
            Dx = new TS[n],
            Dib = InputBias ? new TS[RowLength] : [],
            Dw = HasWeight ? new TS[RowLength] : [],
            Db = HasBias ? new TS[RowLength] : [],
        };
    }

    private FusedResults Results(FusedBuffers<TS, TStat> k) => new(
        Widen(k.Y), Widen(k.ResOut), WidenStats(k.Mean), WidenStats(k.Rstd), Widen(k.Dx), Widen(k.Dib), Widen(k.Dw), Widen(k.Db));

    private static TS[] Narrow(double[] values) => values.Select(FromDouble).ToArray();

    private static double[] Widen(TS[] values) => values.Select(ToDouble).ToArray();

    private static double[] WidenStats(TStat[] values) => values.Select(v => v is float f ? f : (double)(object)v).ToArray();

    private static TS FromDouble(double v) => typeof(TS) == typeof(float) ? (TS)(object)(float)v
        : typeof(TS) == typeof(double) ? (TS)(object)v
        : (TS)(object)(Half)v;

    private static double ToDouble(TS v) => v switch
    {
        float f => f,
        double d => d,
        Half h => (double)h,
        _ => throw new NotSupportedException(),
    };

    private static TS Add(TS a, TS b) => a switch
    {
        float f => (TS)(object)(f + (float)(object)b),
        double d => (TS)(object)(d + (double)(object)b),
        Half h => (TS)(object)(Half)((float)h + (float)(Half)(object)b),
        _ => throw new NotSupportedException(),
    };

    /// <summary>The activation in the element type: float and double directly, Half through float and back.</summary>
    private static TS[] Activate(ActivationKind kind, TS[] z)
    {
        if (z is double[] zd)
        {
            var yd = new double[zd.Length];
            ActivationReference.Forward(kind, zd, yd);
            return (TS[])(object)yd;
        }

        float[] zf = z is float[] f ? f : Array.ConvertAll((Half[])(object)z, h => (float)h);
        var yf = new float[zf.Length];
        ActivationReference.Forward(kind, zf, yf);
        return z is float[] ? (TS[])(object)yf : (TS[])(object)Array.ConvertAll(yf, v => (Half)v);
    }

    private static TS[] ActivateBackward(ActivationKind kind, TS[] z, TS[] dy)
    {
        if (z is double[] zd)
        {
            var gd = (double[])((double[])(object)dy).Clone();
            ActivationReference.Backward(kind, zd, gd);
            return (TS[])(object)gd;
        }

        float[] zf = z is float[] f ? f : Array.ConvertAll((Half[])(object)z, h => (float)h);
        float[] gf = dy is float[] g ? (float[])g.Clone() : Array.ConvertAll((Half[])(object)dy, h => (float)h);
        ActivationReference.Backward(kind, zf, gf);
        return z is float[] ? (TS[])(object)gf : (TS[])(object)Array.ConvertAll(gf, v => (Half)v);
    }
}
