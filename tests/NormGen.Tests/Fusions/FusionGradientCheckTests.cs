using System;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Tests.Fusions;

/// <summary>
/// The double fused kernels' gradients — input, input bias, residual, weight, bias, through every
/// activation — against central finite differences of the loss Σ dy·y, computed with the kernel's own forward.
/// </summary>
public class FusionGradientCheckTests
{
    public static TheoryData<string> Doubles => FusedCases.Names(FusedCases.Double);

    [Theory]
    [MemberData(nameof(Doubles))]
    public void Gradients_match_central_finite_differences(string name)
    {
        FusedCase c = FusedCases.Named(name);
        FusedInputs inputs = c.Inputs(3, seed: 400);
        FusedResults analytic = c.RunFused(inputs);

        Check(c, inputs, inputs.X, analytic.GradInput, "dx");
        if (c.Residual)
        {
            // The residual reaches the norm through the same sum as the input.
            Check(c, inputs, inputs.Residual, analytic.GradInput, "dResidual");
        }

        if (c.InputBias)
        {
            Check(c, inputs, inputs.InputBias, analytic.GradInputBias, "dInputBias");
        }

        if (c.HasWeight)
        {
            Check(c, inputs, inputs.Weight, analytic.GradWeight, "dγ");
        }

        if (c.HasBias)
        {
            Check(c, inputs, inputs.Bias, analytic.GradBias, "dβ");
        }
    }

    /// <summary>Perturbs each element of <paramref name="target"/> (one of the input arrays) by ±h and compares dL/d·.</summary>
    private static void Check(FusedCase c, FusedInputs inputs, double[] target, double[] analytic, string what)
    {
        const double H = 1e-6;
        for (int i = 0; i < target.Length; i++)
        {
            double saved = target[i];
            target[i] = saved + H;
            double plus = Loss(c.ForwardOutput(inputs), inputs.GradOutput);
            target[i] = saved - H;
            double minus = Loss(c.ForwardOutput(inputs), inputs.GradOutput);
            target[i] = saved;

            double numeric = (plus - minus) / (2 * H);
            if (Math.Abs(numeric - analytic[i]) > 1e-6 + 1e-6 * Math.Abs(numeric))
            {
                throw new XunitException($"{c.Name} {what}[{i}]: {analytic[i]:R}, finite differences {numeric:R}");
            }
        }
    }

    private static double Loss(double[] y, double[] dy)
    {
        double loss = 0;
        for (int i = 0; i < y.Length; i++)
        {
            loss += dy[i] * y[i];
        }

        return loss;
    }
}
