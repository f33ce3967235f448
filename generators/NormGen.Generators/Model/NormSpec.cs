using NormGen.Generators.Helpers;

namespace NormGen.Generators.Model;

/// <summary>How a norm's elements are grouped for statistics; all extents are compile-time constants.</summary>
/// <param name="Kind">The memory arrangement.</param>
/// <param name="Reduced">
/// For <see cref="GeometryKind.Rows"/> and <see cref="GeometryKind.Columns"/>: elements per set of statistics
/// (the product of the normalized extents). Unused by channel norms.
/// </param>
/// <param name="Inner">For <see cref="GeometryKind.Columns"/>: the product of the extents after the normalized axes (the stride). Otherwise 1.</param>
/// <param name="Channels">For channel norms: the number of channels.</param>
/// <param name="Groups">For GroupNorm: the number of groups. InstanceNorm has one group per channel; BatchNorm uses 1.</param>
/// <param name="Spatial">For channel norms: the product of the extents of every axis but the batch and channel axes.</param>
internal sealed record NormGeometry(GeometryKind Kind, int Reduced, int Inner, int Channels, int Groups, int Spatial);

/// <summary>
/// Everything the emitters need to write one norm's kernel: the validated, fully resolved content
/// of one norm attribute. Plain values only, so the incremental pipeline can compare it.
/// </summary>
/// <param name="Kind">Which normalization.</param>
/// <param name="Name">The name as declared in the attribute.</param>
/// <param name="KernelName">The nested kernel type's name (the PascalCase form of <paramref name="Name"/>).</param>
/// <param name="Element">The element type of the tensors.</param>
/// <param name="Layout">The layout's axis names, outermost first.</param>
/// <param name="Axes">The normalized axes (LayerNorm, RMSNorm) or the channel axis (channel norms), in layout order.</param>
/// <param name="Shape">The parameters' shape: the extents of <paramref name="Axes"/>.</param>
/// <param name="Geometry">How the statistics' elements sit in memory.</param>
/// <param name="Epsilon">The epsilon added under the square root.</param>
/// <param name="HasWeight">Whether the norm has a gain (γ).</param>
/// <param name="HasBias">Whether the norm has a shift (β).</param>
/// <param name="Activation">The activation fused after the affine step.</param>
/// <param name="Residual">Whether a residual add is fused before the norm (rows only).</param>
/// <param name="InputBias">Whether a bias add is fused before the norm (rows only).</param>
/// <param name="TrackRunningStats">Whether BatchNorm/InstanceNorm keep running statistics.</param>
/// <param name="Momentum">The running statistics' momentum.</param>
/// <param name="CumulativeAverage">Whether the running statistics are a cumulative average (PyTorch's momentum=None).</param>
internal sealed record NormSpec(
    NormKind Kind,
    string Name,
    string KernelName,
    ElementKind Element,
    EquatableArray<string> Layout,
    EquatableArray<string> Axes,
    EquatableArray<int> Shape,
    NormGeometry Geometry,
    double Epsilon,
    bool HasWeight,
    bool HasBias,
    ActivationKind Activation = ActivationKind.None,
    bool Residual = false,
    bool InputBias = false,
    bool TrackRunningStats = false,
    double Momentum = 0.1,
    bool CumulativeAverage = false)
{
    /// <summary>For <see cref="GeometryKind.Rows"/>: the number of elements in one normalized row.</summary>
    public int RowLength => Geometry.Reduced;

    /// <summary>The number of parameters (γ or β elements).</summary>
    public int ParameterCount
    {
        get
        {
            int count = 1;
            foreach (int extent in Shape)
            {
                count *= extent;
            }

            return count;
        }
    }
}
