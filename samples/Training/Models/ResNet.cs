using NormGen;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Samples.Training.Models;

/// <summary>The norms of a small ResNet on 16×16 images: BatchNorm after each convolution, or GroupNorm for batches of 2.</summary>
[TensorLayout("N,C=32,H=16,W=16")]
[BatchNorm("stemNorm")]
[BatchNorm("norm1")]
[BatchNorm("norm2")]
[GroupNorm("stemGroups", 8)]
[GroupNorm("groups1", 8)]
[GroupNorm("groups2", 8)]
public partial class ResNetNorms { }

/// <summary>A stem convolution and one basic block (conv-norm-ReLU-conv-norm, plus the identity, ReLU), then a classifier.</summary>
public sealed class ResNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> stem, stemNorm, conv1, norm1, conv2, norm2, head;

    public ResNet(bool generated, bool groupNorm) : base(nameof(ResNet))
    {
        stem = nn.Conv2d(3, 32, 3, padding: 1, bias: false);
        stemNorm = Norm(generated, groupNorm, 0);
        conv1 = nn.Conv2d(32, 32, 3, padding: 1, bias: false);
        norm1 = Norm(generated, groupNorm, 1);
        conv2 = nn.Conv2d(32, 32, 3, padding: 1, bias: false);
        norm2 = Norm(generated, groupNorm, 2);
        head = nn.Linear(32, 10);
        RegisterComponents();
    }

    private static nn.Module<Tensor, Tensor> Norm(bool generated, bool groupNorm, int index) => (generated, groupNorm, index) switch
    {
        (false, false, _) => nn.BatchNorm2d(32),
        (false, true, _) => InitializedGroupNorm(),
        (true, false, 0) => new ResNetNorms.StemNormModule(),
        (true, false, 1) => new ResNetNorms.Norm1Module(),
        (true, false, _) => new ResNetNorms.Norm2Module(),
        (true, true, 0) => new ResNetNorms.StemGroupsModule(),
        (true, true, 1) => new ResNetNorms.Groups1Module(),
        (true, true, _) => new ResNetNorms.Groups2Module(),
    };

    /// <summary>
    /// nn.GroupNorm(8, 32) with γ = 1 and β = 0 set explicitly: TorchSharp 0.107's GroupNorm leaves its parameters
    /// uninitialized (PyTorch initializes them to ones and zeros).
    /// </summary>
    private static nn.Module<Tensor, Tensor> InitializedGroupNorm()
    {
        var norm = nn.GroupNorm(8, 32);
        using (no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.fill_(0);
        }

        return norm;
    }

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.relu(stemNorm.call(stem.call(x)));
        Tensor y = nn.functional.relu(norm1.call(conv1.call(x)));
        y = norm2.call(conv2.call(y));
        x = nn.functional.relu(x + y);
        return head.call(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>Ten classes of 16×16 images; BatchNorm switches between train() and eval() each epoch.</summary>
public sealed class ResNetSample(bool groupNorm, int batch) : ISample
{
    public string Name => groupNorm
        ? $"ResNet basic block with GroupNorm (batch {batch}, 3×16×16)"
        : $"ResNet basic block with BatchNorm, train/eval each epoch (batch {batch}, 3×16×16)";

    public bool EvaluatesEachEpoch => true;

    public nn.Module<Tensor, Tensor> Build(bool generated) => new ResNet(generated, groupNorm);

    public (Tensor Input, Tensor Labels) Batch(int step) => SyntheticData.Images(step, batch, 3, 16, 10);
}
