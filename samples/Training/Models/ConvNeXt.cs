using NormGen;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Samples.Training.Models;

/// <summary>The norm of a ConvNeXt block: LayerNorm over the channels of N,C,H,W, computed in place without a permute.</summary>
[TensorLayout("N,C=48,H=16,W=16")]
[LayerNorm("blockNorm", Axes = "C", Eps = 1e-6)]
public partial class ConvNeXtNorms { }

/// <summary>Channels-first LayerNorm from TorchSharp's modules: permute to channels-last, nn.LayerNorm, permute back.</summary>
public sealed class PermutedLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;

    public PermutedLayerNorm(long channels, double eps) : base("norm")
    {
        norm = nn.LayerNorm(channels, eps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => norm.call(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
}

/// <summary>Stem 4×4 convolution, one ConvNeXt block (7×7 depthwise conv, LayerNorm over C, 1×1 expand, GELU, 1×1 project, residual), classifier.</summary>
public sealed class ConvNeXt : nn.Module<Tensor, Tensor>
{
    private const int C = 48;
    private readonly nn.Module<Tensor, Tensor> stem, depthwise, norm, expand, project, head;

    public ConvNeXt(bool generated) : base(nameof(ConvNeXt))
    {
        stem = nn.Conv2d(3, C, 4, stride: 4);
        depthwise = nn.Conv2d(C, C, 7, padding: 3, groups: C);
        norm = generated ? new ConvNeXtNorms.BlockNormModule() : new PermutedLayerNorm(C, 1e-6);
        expand = nn.Conv2d(C, 4 * C, 1);
        project = nn.Conv2d(4 * C, C, 1);
        head = nn.Linear(C, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = stem.call(x);
        x = x + project.call(nn.functional.gelu(expand.call(norm.call(depthwise.call(x)))));
        return head.call(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>Ten classes of 64×64 images (16×16 after the stem).</summary>
public sealed class ConvNeXtSample(int batch = 16) : ISample
{
    public string Name => $"ConvNeXt block with channels-first LayerNorm (batch {batch}, 3×64×64)";

    public nn.Module<Tensor, Tensor> Build(bool generated) => new ConvNeXt(generated);

    public (Tensor Input, Tensor Labels) Batch(int step) => SyntheticData.Images(step, batch, 3, 64, 10);
}
