namespace NormGen;

/// <summary>
/// A norm with one weight and bias per channel: <see cref="BatchNormAttribute"/>,
/// <see cref="GroupNormAttribute"/> and <see cref="InstanceNormAttribute"/>. The layout says where
/// the channel axis sits: <c>"N,C,H,W"</c> (channels-first) or <c>"N,H,W,C"</c> (channels-last).
/// </summary>
public abstract class ChannelNormAttribute : NormAttribute
{
    /// <summary>Declares a norm called <paramref name="name"/>.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    protected ChannelNormAttribute(string name) : base(name) { }

    /// <summary>The name of the channel axis in the layout. Default <c>"C"</c>.</summary>
    public string ChannelAxis { get; set; } = "C";

    /// <summary>
    /// The number of channels, when the layout does not give the channel axis an extent
    /// (<c>"C=64"</c>); when both are present they must agree.
    /// </summary>
    public int Channels { get; set; }

    /// <summary>The value added to the variance inside the square root. Default <c>1e-5</c>, as in PyTorch.</summary>
    public double Eps { get; set; } = 1e-5;
}
