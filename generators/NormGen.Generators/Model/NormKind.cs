namespace NormGen.Generators.Model;

/// <summary>The normalizations the generator knows how to emit.</summary>
internal enum NormKind
{
    LayerNorm,
    RmsNorm,
    BatchNorm,
    GroupNorm,
    InstanceNorm,
}

/// <summary>The element types a kernel can be specialized for.</summary>
internal enum ElementKind
{
    Float,
    Double,

    /// <summary>System.Half storage, float arithmetic and statistics.</summary>
    Half,
}

/// <summary>The activations a kernel can fuse after its affine step; values match the runtime's <c>NormGen.Activation</c>.</summary>
internal enum ActivationKind
{
    None = 0,
    Relu = 1,
    Gelu = 2,
    GeluTanh = 3,
    Silu = 4,
}

/// <summary>Where the elements that share one set of statistics sit in memory.</summary>
internal enum GeometryKind
{
    /// <summary>LayerNorm/RMSNorm over the trailing axes: contiguous rows of <c>Reduced</c> elements.</summary>
    Rows,

    /// <summary>
    /// LayerNorm/RMSNorm over interior axes (C of N,C,H,W): for every (outer, inner) index, <c>Reduced</c>
    /// elements strided by <c>Inner</c>; kernels vectorize across the contiguous inner axis.
    /// </summary>
    Columns,

    /// <summary>Channel norms on N,C,spatial…: every (n, c) is a contiguous run of <c>Spatial</c> elements.</summary>
    ChannelsFirst,

    /// <summary>Channel norms on N,spatial…,C: every (n, s) is a contiguous run of <c>Channels</c> elements.</summary>
    ChannelsLast,
}
