using NormGen;

namespace Consumer;

// A transformer block's norms, as a package user declares them. D = 100 is not a multiple of any
// vector width, so the kernels' tails run too.
[TensorLayout("B,T,D")]
[LayerNorm("ln", Axes = "D", Shape = [100])]
[RmsNorm("rms", Axes = "D", Shape = [100])]
public partial class Model
{
}
