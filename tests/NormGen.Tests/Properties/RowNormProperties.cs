using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.Properties;

/// <summary>
/// Every LayerNorm and RMSNorm kernel of <see cref="TestNorms"/> (row lengths from 1 to 4099, float
/// and double, with and without affine parameters, over D and over C,H,W) on random row counts and
/// random data of every regime, forward and backward against the float64 reference.
/// </summary>
public sealed class RowNormProperties
{
    private static readonly IReadOnlyList<NormCase> Kernels = Norms.All.ToList();

    private static Gen<(int Kernel, int Rows, ValueRegime Regime, int Seed)> Cases { get; } = Gen.Select(
        Gen.Int[0, Kernels.Count - 1],
        Gen.Int[1, 12],
        Gen.Int[0, Enum.GetValues<ValueRegime>().Length - 1].Select(i => (ValueRegime)i),
        Gen.Int[0, 1 << 20]);

    [Fact]
    public void Forward_follows_the_reference_on_any_rows_of_any_values() => Cases.Sample(
        CheckForward,
        seed: PropertyChecks.Seed,
        iter: PropertyChecks.Iterations(300),
        print: Describe);

    [Fact]
    public void Backward_follows_the_reference_on_any_rows_of_finite_values() => Cases.Where(c => c.Regime != ValueRegime.NonFinite).Sample(
        CheckBackward,
        seed: PropertyChecks.Seed,
        iter: PropertyChecks.Iterations(300),
        print: Describe);

    private static string Describe((int Kernel, int Rows, ValueRegime Regime, int Seed) c) =>
        $"{Kernels[c.Kernel].Name}, {c.Rows} rows, {c.Regime}, data seed {c.Seed}";

    private static void CheckForward(int kernel, int rows, ValueRegime regime, int seed)
    {
        NormCase norm = Kernels[kernel];
        Precision precision = norm.IsDouble ? Precision.Double : Precision.Float;
        double[] x = RegimeData.Values(regime, precision, rows * norm.RowLength, norm.RowLength, seed, norm.Round);
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed + 1);

        ReferenceNorms.Forward expected = ReferenceNorms.Run(norm, x, weight, bias);
        ReferenceNorms.Forward actual = norm.Forward(x, weight, bias);

        double xhatError = PropertyChecks.NormalizedError(precision, regime, norm.RowLength, x, expected.Rstd);
        double gain = weight is null ? 1 : PropertyChecks.MaxAbs(weight);
        PropertyChecks.AssertClose(precision, expected.Output, actual.Output, "y", looseness: 2, xhatError * gain);
        if (norm.Centered)
        {
            PropertyChecks.AssertClose(
                precision, expected.Mean, actual.Mean, "mean", looseness: 2, 4 * norm.RowLength * PropertyChecks.Epsilon(precision) * PropertyChecks.MaxAbs(x), anyNonFinite: true);
        }

        PropertyChecks.AssertClose(precision, expected.Rstd, actual.Rstd, "rstd", looseness: 2 + (regime == ValueRegime.LargeOffset ? 50 : 0), anyNonFinite: true);
    }

    private static void CheckBackward(int kernel, int rows, ValueRegime regime, int seed)
    {
        NormCase norm = Kernels[kernel];
        Precision precision = norm.IsDouble ? Precision.Double : Precision.Float;
        double[] x = RegimeData.Values(regime, precision, rows * norm.RowLength, norm.RowLength, seed, norm.Round);
        double[] dy = norm.Round(TestData.Normal(x.Length, seed + 2));
        (double[]? weight, _) = TestData.Parameters(norm, seed + 1);

        ReferenceNorms.Backward expected = ReferenceNorms.Gradients(norm, dy, x, weight);
        ReferenceNorms.Backward actual = norm.Backward(dy, x, weight, norm.Forward(x, weight, null));

        double looseness = regime == ValueRegime.LargeOffset ? 64 : 8;
        ReferenceNorms.Forward statistics = ReferenceNorms.Run(norm, x, weight, null);
        double xhatError = PropertyChecks.NormalizedError(precision, regime, norm.RowLength, x, statistics.Rstd);
        double gain = weight is null ? 1 : PropertyChecks.MaxAbs(weight);
        double termScale = PropertyChecks.MaxAbs(statistics.Rstd) * PropertyChecks.MaxAbs(dy) * gain;
        PropertyChecks.AssertClose(
            precision, expected.GradInput, actual.GradInput, "dx", looseness,
            PropertyChecks.CancellationError(precision, looseness, statistics.Rstd, dy, weight) + 2 * termScale * xhatError);
        if (norm.HasWeight)
        {
            PropertyChecks.AssertClose(precision, expected.GradWeight, actual.GradWeight, "dγ", looseness, rows * PropertyChecks.MaxAbs(dy) * xhatError * (1 + 4 * gain));
        }

        if (norm.HasBias)
        {
            PropertyChecks.AssertClose(precision, expected.GradBias, actual.GradBias, "dβ", looseness);
        }
    }
}
