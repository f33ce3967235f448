namespace NormGen;

/// <summary>
/// Declares an instance normalization, with PyTorch's semantics: each (sample, channel) is
/// normalized over the spatial axes. As in PyTorch, it has no affine parameters and no running
/// statistics unless asked for.
/// </summary>
public sealed class InstanceNormAttribute : ChannelNormAttribute
{
    /// <summary>Declares an instance normalization called <paramref name="name"/>.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    public InstanceNormAttribute(string name) : base(name) { }

    /// <summary>Whether the norm has a learnable weight and bias per channel. Default <see langword="false"/>, as in PyTorch.</summary>
    public bool Affine { get; set; }

    /// <summary>Whether the norm keeps running statistics for evaluation. Default <see langword="false"/>, as in PyTorch.</summary>
    public bool TrackRunningStats { get; set; }

    /// <summary>The weight of the new batch in the running statistics. Default 0.1, as in PyTorch.</summary>
    public double Momentum { get; set; } = 0.1;
}
