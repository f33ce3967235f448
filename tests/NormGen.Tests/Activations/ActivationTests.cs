using System;
using NormGen.Kernels;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.ActivationKernels;

/// <summary>
/// The fused activations against PyTorch's definitions in float64 (with an exact erf), their
/// backward passes against central finite differences, and the span contract: in place, any
/// length, position-independent results, NaN kept, wrong lengths and partial overlaps rejected.
/// </summary>
public class ActivationTests
{
    public static TheoryData<ActivationKind> Kinds => new() { ActivationKind.Relu, ActivationKind.Gelu, ActivationKind.GeluTanh, ActivationKind.Silu };

    /// <summary>Normal values with a wide spread, plus the regions where the formulas change hands.</summary>
    private static double[] Inputs(int seed)
    {
        double[] normal = TestData.Normal(1021, seed, std: 3);
        double[] edges = [0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 1.19, -1.19, 1.77, -1.77, 4.05, -4.05, 5.7, -5.7, 8.5, -8.5, 12, -12, 40, -40];
        var all = new double[normal.Length + edges.Length];
        normal.CopyTo(all, 0);
        edges.CopyTo(all, normal.Length);
        return all;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Double_forward_matches_the_float64_definition(ActivationKind kind)
    {
        double[] z = Inputs(1), y = new double[z.Length];
        ActivationReference.Forward(kind, z, y);
        for (int i = 0; i < z.Length; i++)
        {
            double expected = ActivationReference.Forward(kind, z[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 1e-15 * Math.Max(1, Math.Abs(z[i])), $"{kind}({z[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Float_forward_matches_the_float64_definition_to_float_precision(ActivationKind kind)
    {
        float[] z = Array.ConvertAll(Inputs(2), v => (float)v), y = new float[z.Length];
        ActivationReference.Forward(kind, z, y);
        for (int i = 0; i < z.Length; i++)
        {
            double expected = ActivationReference.Forward(kind, z[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 2.5e-7 * Math.Max(1, Math.Abs(z[i])), $"{kind}({z[i]:R}f) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Double_backward_matches_central_finite_differences(ActivationKind kind)
    {
        const double H = 1e-5;
        double[] z = TestData.Normal(517, 3, std: 3);
        // ReLU's kink: keep finite differences away from it.
        for (int i = 0; i < z.Length; i++)
        {
            if (Math.Abs(z[i]) < 2 * H)
            {
                z[i] = 0.1;
            }
        }

        double[] grad = TestData.Normal(z.Length, 4);
        double[] dz = (double[])grad.Clone();
        ActivationReference.Backward(kind, z, dz);

        double[] plus = Array.ConvertAll(z, v => v + H), minus = Array.ConvertAll(z, v => v - H);
        double[] yPlus = new double[z.Length], yMinus = new double[z.Length];
        ActivationReference.Forward(kind, plus, yPlus);
        ActivationReference.Forward(kind, minus, yMinus);
        for (int i = 0; i < z.Length; i++)
        {
            double numeric = grad[i] * (yPlus[i] - yMinus[i]) / (2 * H);
            Assert.True(Math.Abs(dz[i] - numeric) <= 1e-8 * Math.Max(1, Math.Abs(grad[i] * z[i])), $"{kind}'({z[i]:R}): {dz[i]:R}, numeric {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Float_backward_matches_the_double_backward_to_float_precision(ActivationKind kind)
    {
        float[] z = Array.ConvertAll(Inputs(5), v => (float)v);
        float[] grad = Array.ConvertAll(TestData.Normal(z.Length, 6), v => (float)v);
        float[] dz = (float[])grad.Clone();
        ActivationReference.Backward(kind, z, dz);

        double[] expected = Array.ConvertAll(grad, v => (double)v);
        ActivationReference.Backward(kind, Array.ConvertAll(z, v => (double)v), expected);
        for (int i = 0; i < z.Length; i++)
        {
            Assert.True(Math.Abs(dz[i] - expected[i]) <= 5e-7 * Math.Abs(grad[i]) * Math.Max(1, Math.Abs(z[i])),
                $"{kind}'({z[i]:R}f)·{grad[i]:R} = {dz[i]:R}, expected {expected[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void In_place_gives_the_same_results(ActivationKind kind)
    {
        double[] z = Inputs(7), y = new double[z.Length];
        ActivationReference.Forward(kind, z, y);
        double[] inPlace = (double[])z.Clone();
        ActivationReference.Forward(kind, inPlace, inPlace);
        Assert.Equal(y, inPlace);

        float[] zf = Array.ConvertAll(z, v => (float)v), yf = new float[z.Length];
        ActivationReference.Forward(kind, zf, yf);
        ActivationReference.Forward(kind, zf, zf);
        Assert.Equal(yf, zf);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_elements_result_depends_on_its_value_alone_at_every_length(ActivationKind kind)
    {
        double[] values = TestData.Normal(3 * System.Runtime.Intrinsics.Vector512<float>.Count + 1, 8, std: 3);
        for (int length = 0; length <= values.Length; length++)
        {
            float[] z = Array.ConvertAll(values[..length], v => (float)v), y = new float[length];
            float[] grad = Array.ConvertAll(TestData.Normal(length, 9), v => (float)v), dz = (float[])grad.Clone();
            ActivationReference.Forward(kind, z, y);
            ActivationReference.Backward(kind, z, dz);
            for (int i = 0; i < length; i++)
            {
                float[] one = [z[i]], oneY = new float[1], oneGrad = [grad[i]];
                ActivationReference.Forward(kind, one, oneY);
                ActivationReference.Backward(kind, one, oneGrad);
                Assert.Equal(oneY[0], y[i]);
                Assert.Equal(oneGrad[0], dz[i]);
            }

            double[] zd = values[..length], yd = new double[length];
            ActivationReference.Forward(kind, zd, yd);
            for (int i = 0; i < length; i++)
            {
                double[] oneY = new double[1];
                ActivationReference.Forward(kind, [zd[i]], oneY);
                Assert.Equal(oneY[0], yd[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NaN_stays_NaN_and_infinities_follow_pytorch(ActivationKind kind)
    {
        float[] z = [float.NaN, float.PositiveInfinity, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], y = new float[z.Length];
        ActivationReference.Forward(kind, z, y);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(float.PositiveInfinity, y[1]);

        float[] grad = [1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f];
        ActivationReference.Backward(kind, z, grad);
        Assert.True(kind == ActivationKind.Relu || float.IsNaN(grad[0]));

        double[] zd = [double.NaN, double.PositiveInfinity], yd = new double[2];
        ActivationReference.Forward(kind, zd, yd);
        Assert.True(double.IsNaN(yd[0]));
        Assert.Equal(double.PositiveInfinity, yd[1]);
    }

    [Fact]
    public void Wrong_lengths_and_partial_overlaps_are_rejected_naming_the_argument()
    {
        float[] z = new float[16];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Activations.Gelu(z, new float[15])).ParamName);
        Assert.Equal("grad", Assert.Throws<ArgumentException>(() => Activations.SiluBackward(z, new float[17])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Activations.Relu(z.AsSpan(0, 8), z.AsSpan(4, 8))).ParamName);
        double[] shared = new double[8];
        Assert.Equal("grad", Assert.Throws<ArgumentException>(() => Activations.GeluTanhBackward(shared.AsSpan(1, 4), shared.AsSpan(2, 4))).ParamName);
    }

    [Fact]
    public void Empty_spans_are_fine()
    {
        Activations.Gelu(ReadOnlySpan<float>.Empty, Span<float>.Empty);
        Activations.SiluBackward(ReadOnlySpan<double>.Empty, Span<double>.Empty);
    }
}
