namespace NormGen;

/// <summary>
/// Declares a group normalization, with PyTorch's semantics: the channels are split into
/// <see cref="Groups"/> groups, and each (sample, group) is normalized over its channels and every
/// spatial axis; weight and bias are per channel.
/// </summary>
/// <example>
/// <code>
/// [TensorLayout("N,H=32,W=32,C=64")]
/// [GroupNorm("gn1", 8)]
/// public partial class ChannelsLastBlock { }
/// </code>
/// </example>
public sealed class GroupNormAttribute : ChannelNormAttribute
{
    /// <summary>Declares a group normalization called <paramref name="name"/> with <paramref name="groups"/> groups.</summary>
    /// <param name="name">The norm's name; the emitted kernel type is its PascalCase form.</param>
    /// <param name="groups">The number of groups; it must divide the number of channels.</param>
    public GroupNormAttribute(string name, int groups) : base(name) => Groups = groups;

    /// <summary>The number of groups the channels are split into.</summary>
    public int Groups { get; }

    /// <summary>Whether the norm has a learnable weight and bias per channel. Default <see langword="true"/>.</summary>
    public bool Affine { get; set; } = true;
}
