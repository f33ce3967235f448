namespace NormGen;

/// <summary>
/// Declares a batch normalization, with PyTorch's semantics: statistics per channel over the batch
/// and every other axis. Training normalizes with the biased batch variance and updates the running
/// mean and (unbiased) variance; evaluation uses the running statistics.
/// </summary>
/// <remarks>
/// The layout gives the dimensionality: <c>"N,C"</c> or <c>"N,C,L"</c> (BatchNorm1d),
/// <c>"N,C,H,W"</c> (2d), <c>"N,C,D,H,W"</c> (3d), or channels-last such as <c>"N,H,W,C"</c>.
/// Every axis but the first needs a static extent.
/// </remarks>
/// <example>
/// <code>
/// [TensorLayout("N,C=64,H=32,W=32")]
/// [BatchNorm("bn1")]
/// public partial class ResidualBlock { }
/// </code>
/// </example>
public sealed class BatchNormAttribute : ChannelNormAttribute
{
    /// <summary>Declares a batch normalization called <paramref name="name"/>.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    public BatchNormAttribute(string name) : base(name) { }

    /// <summary>
    /// The weight of the new batch in the running statistics:
    /// <c>running = (1 - momentum)·running + momentum·batch</c>. Default 0.1, as in PyTorch.
    /// </summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>
    /// Use a cumulative moving average (momentum <c>1/num_batches_tracked</c>) instead of
    /// <see cref="Momentum"/>, as PyTorch's <c>momentum=None</c>.
    /// </summary>
    public bool CumulativeAverage { get; set; }

    /// <summary>Whether the norm has a learnable weight and bias per channel. Default <see langword="true"/>.</summary>
    public bool Affine { get; set; } = true;

    /// <summary>
    /// Whether the norm keeps running statistics. Without them it normalizes with batch statistics in
    /// evaluation too, as PyTorch's <c>track_running_stats=False</c>. Default <see langword="true"/>.
    /// </summary>
    public bool TrackRunningStats { get; set; } = true;
}
