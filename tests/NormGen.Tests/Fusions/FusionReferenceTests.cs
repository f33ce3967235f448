using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.Fusions;

/// <summary>
/// Every fused kernel against the float64 reference written from the definitions. Half kernels are held
/// to the reference computed on their Half inputs (with the sum in front of the norm rounded to Half,
/// as they define it), within a few Half ulps.
/// </summary>
public class FusionReferenceTests
{
    public static TheoryData<string> All => FusedCases.Names(FusedCases.All);

    [Theory]
    [MemberData(nameof(All))]
    public void Fused_kernel_matches_the_float64_reference(string name)
    {
        FusedCase c = FusedCases.Named(name);
        int rows = c.RowLength > 1000 ? 3 : 9;
        FusedInputs inputs = c.Inputs(rows, seed: 300);
        FusedResults kernel = c.RunFused(inputs);
        FusedReference.Forward forward = FusedReference.Run(c, inputs, roundSum: c.IsHalf);
        FusedReference.Backward backward = FusedReference.Gradients(c, inputs, forward);

        if (c.IsHalf)
        {
            HalfAssert.Close(forward.Output, kernel.Output, "y");
            if (c.Residual)
            {
                HalfAssert.Close(forward.Sum, kernel.ResidualOutput, "residualOutput", ulps: 0.5);
            }

            if (c.Centered)
            {
                HalfAssert.Close(forward.Mean, kernel.Mean, "mean", ulps: 0.01);
            }

            HalfAssert.Close(forward.Rstd, kernel.Rstd, "rstd", ulps: 0.01);
            HalfAssert.Close(backward.GradInput, kernel.GradInput, "dx");
            if (c.InputBias)
            {
                HalfAssert.Close(backward.GradInputBias, kernel.GradInputBias, "dInputBias");
            }

            if (c.HasWeight)
            {
                HalfAssert.Close(backward.GradWeight, kernel.GradWeight, "dγ");
            }

            if (c.HasBias)
            {
                HalfAssert.Close(backward.GradBias, kernel.GradBias, "dβ");
            }

            return;
        }

        (double a, double r) = c.IsDouble ? (1e-12, 1e-11) : (2e-6, 2e-5);
        Tolerance.AssertClose(forward.Output, kernel.Output, a, r, "y");
        if (c.Residual)
        {
            Tolerance.AssertClose(forward.Sum, kernel.ResidualOutput, a, r, "residualOutput");
        }

        if (c.Centered)
        {
            Tolerance.AssertClose(forward.Mean, kernel.Mean, a, r, "mean");
        }

        Tolerance.AssertClose(forward.Rstd, kernel.Rstd, a, r, "rstd");
        Tolerance.AssertClose(backward.GradInput, kernel.GradInput, 5 * a, 5 * r, "dx");
        if (c.InputBias)
        {
            Tolerance.AssertClose(backward.GradInputBias, kernel.GradInputBias, 5 * rows * a, 5 * r, "dInputBias");
        }

        if (c.HasWeight)
        {
            Tolerance.AssertClose(backward.GradWeight, kernel.GradWeight, 5 * rows * a, 5 * r, "dγ");
        }

        if (c.HasBias)
        {
            Tolerance.AssertClose(backward.GradBias, kernel.GradBias, 5 * rows * a, 5 * r, "dβ");
        }
    }
}
