using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// Every GroupNorm/InstanceNorm kernel against the float64 reference: outputs, saved statistics and all
/// gradients, channels-first and channels-last, with one sample and with several.
/// </summary>
public class GroupNormReferenceTests
{
    public static TheoryData<string> Kernels => GroupNormCases.Names();

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_matches_the_reference(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        foreach (int batch in new[] { 1, 3 })
        {
            (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch, seed: batch);
            GroupNormReference.Forward expected = GroupNormReference.Run(norm.Shape, norm.Epsilon, x, w, b, norm.Activation);
            GroupNormReference.Forward actual = norm.Forward(x, w, b);

            GroupNormTolerance.AssertClose(norm, expected.Output, actual.Output, $"y (batch {batch})");
            GroupNormTolerance.AssertClose(norm, expected.Mean, actual.Mean, $"mean (batch {batch})");
            GroupNormTolerance.AssertClose(norm, expected.Rstd, actual.Rstd, $"rstd (batch {batch})");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Backward_matches_the_reference(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        foreach (int batch in new[] { 1, 3 })
        {
            (double[] x, double[]? w, double[]? b) = GroupNormData.Inputs(norm, batch, seed: 10 + batch);
            double[] dy = norm.Round(TestData.Normal(x.Length, seed: 20 + batch));
            GroupNormReference.Backward expected = GroupNormReference.Gradients(norm.Shape, norm.Epsilon, dy, x, w, b, norm.Activation);
            GroupNormReference.Backward actual = norm.Backward(dy, x, w, b, norm.Forward(x, w, b));

            GroupNormTolerance.AssertClose(norm, expected.GradInput, actual.GradInput, $"dx (batch {batch})", looseness: 4);
            if (norm.Affine)
            {
                GroupNormTolerance.AssertClose(norm, expected.GradWeight!, actual.GradWeight!, $"dγ (batch {batch})", looseness: 4);
                GroupNormTolerance.AssertClose(norm, expected.GradBias!, actual.GradBias!, $"dβ (batch {batch})", looseness: 4);
            }
        }
    }
}
