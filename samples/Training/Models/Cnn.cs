using NormGen;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Samples.Training.Models;

/// <summary>The norms of the CNN: LayerNorm over each convolution's whole [C, H, W] output.</summary>
[TensorLayout("N,C,H,W")]
[LayerNorm("ln1", Axes = "C,H,W", Shape = [64, 32, 32])]
[LayerNorm("ln2", Axes = "C,H,W", Shape = [128, 32, 32])]
public partial class CnnNorms { }

/// <summary>Conv 3→64, LN[64,32,32], ReLU, Conv 64→128, LN[128,32,32], ReLU, global pool, Linear 10.</summary>
public sealed class Cnn : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv1, norm1, conv2, norm2, head;

    public Cnn(bool generated) : base(nameof(Cnn))
    {
        conv1 = nn.Conv2d(3, 64, 3, padding: 1);
        norm1 = generated ? new CnnNorms.Ln1Module() : nn.LayerNorm(new long[] { 64, 32, 32 });
        conv2 = nn.Conv2d(64, 128, 3, padding: 1);
        norm2 = generated ? new CnnNorms.Ln2Module() : nn.LayerNorm(new long[] { 128, 32, 32 });
        head = nn.Linear(128, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.relu(norm1.call(conv1.call(x)));
        x = nn.functional.relu(norm2.call(conv2.call(x)));
        return head.call(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>Ten classes of 32×32 RGB images.</summary>
public sealed class CnnSample(int batch = 8) : ISample
{
    public string Name => $"CNN with LayerNorm over [C,H,W] (batch {batch}, 3×32×32)";

    public nn.Module<Tensor, Tensor> Build(bool generated) => new Cnn(generated);

    public (Tensor Input, Tensor Labels) Batch(int step) => SyntheticData.Images(step, batch, 3, 32, 10);
}
