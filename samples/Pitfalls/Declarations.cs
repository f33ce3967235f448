using NormGen;

namespace Pitfalls;

// NGA014: the layout fixes the batch at one sample, so BatchNorm's batch statistics are one image's.
[TensorLayout("N=1,C=64,H=8,W=8")]
[BatchNorm("bn")]
public partial class SingleImageBlock
{
}
