using System;
using System.Linq;
using NormGen;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Samples.Training.Models;

/// <summary>The norms of a pre-norm transformer block over D = 64: RMSNorm before attention, the fused residual LayerNorm before the MLP.</summary>
[TensorLayout("B,T,D")]
[RmsNorm("attentionNorm", Axes = "D", Shape = [64], Eps = 1e-6)]
[LayerNorm("mlpNorm", Axes = "D", Shape = [64], Residual = true)]
[RmsNorm("finalNorm", Axes = "D", Shape = [64], Eps = 1e-6)]
public partial class TransformerNorms { }

/// <summary>RMSNorm from TorchSharp operations (TorchSharp 0.107 has no nn.RMSNorm).</summary>
public sealed class ComposedRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double eps;

    public ComposedRmsNorm(long dimension, double eps) : base("rms")
    {
        this.eps = eps;
        register_parameter("weight", new TorchSharp.Modules.Parameter(ones(dimension)));
    }

    public override Tensor forward(Tensor x) =>
        x * rsqrt(x.pow(2).mean(new long[] { -1 }, keepdim: true) + eps) * get_parameter("weight")!;
}

/// <summary>
/// Embedding, one pre-norm encoder block (x + attention(RMSNorm(x)), then LayerNorm of that sum — fused with
/// the add in the generated version — and an MLP), a final RMSNorm and a classifier over the mean token.
/// </summary>
public sealed class TransformerClassifier : nn.Module<Tensor, Tensor>
{
    private const int D = 64, Heads = 4;
    private readonly bool generated;
    private readonly nn.Module<Tensor, Tensor> embedding, attentionNorm, qkv, projection, up, down, finalNorm, head;
    private readonly nn.Module<Tensor, Tensor>? mlpNorm;
    private readonly TransformerNorms.MlpNormModule? fusedMlpNorm;
    private readonly TorchSharp.Modules.Parameter position;

    public TransformerClassifier(bool generated, int vocabulary, int length, int classes) : base(nameof(TransformerClassifier))
    {
        this.generated = generated;
        embedding = nn.Embedding(vocabulary, D);
        position = new TorchSharp.Modules.Parameter(randn(length, D) * 0.02);
        attentionNorm = generated ? new TransformerNorms.AttentionNormModule() : new ComposedRmsNorm(D, 1e-6);
        qkv = nn.Linear(D, 3 * D);
        projection = nn.Linear(D, D);
        if (generated)
        {
            fusedMlpNorm = new TransformerNorms.MlpNormModule();
        }
        else
        {
            mlpNorm = nn.LayerNorm(D);
        }

        up = nn.Linear(D, 4 * D);
        down = nn.Linear(4 * D, D);
        finalNorm = generated ? new TransformerNorms.FinalNormModule() : new ComposedRmsNorm(D, 1e-6);
        head = nn.Linear(D, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        Tensor x = embedding.call(tokens) + position;
        Tensor attended = Attention(attentionNorm.call(x));
        Tensor normalized, stream;
        if (generated)
        {
            (normalized, stream) = fusedMlpNorm!.call(attended, x);
        }
        else
        {
            stream = attended + x;
            normalized = mlpNorm!.call(stream);
        }

        stream = stream + down.call(nn.functional.gelu(up.call(normalized)));
        return head.call(finalNorm.call(stream).mean(new long[] { 1 }));
    }

    private Tensor Attention(Tensor x)
    {
        long batch = x.shape[0], length = x.shape[1];
        Tensor[] parts = qkv.call(x).reshape(batch, length, 3, Heads, D / Heads).permute(2, 0, 3, 1, 4).unbind(0);
        Tensor scores = parts[0].matmul(parts[1].transpose(-2, -1)) / Math.Sqrt(D / Heads);
        Tensor mixed = scores.softmax(-1).matmul(parts[2]).transpose(1, 2).reshape(batch, length, D);
        return projection.call(mixed);
    }
}

/// <summary>Sequences of 32 tokens out of 16; the class is which of tokens 0–3 occurs most often.</summary>
public sealed class TransformerSample(int batch = 32) : ISample
{
    private const int Length = 32, Vocabulary = 16, Classes = 4;

    public string Name => $"Pre-norm transformer block, RMSNorm + fused residual LayerNorm (batch {batch}, 32 tokens, D = 64)";

    public nn.Module<Tensor, Tensor> Build(bool generated) => new TransformerClassifier(generated, Vocabulary, Length, Classes);

    public (Tensor Input, Tensor Labels) Batch(int step)
    {
        using var generator = new Generator((ulong)(5000 + step * 7919L + 1_000_000));
        Tensor tokens = randint(Vocabulary, new long[] { batch, Length }, generator: generator);
        using Tensor counts = stack(new[] { 0, 1, 2, 3 }.Select(t => tokens.eq(t).sum(1)).ToArray(), 1);
        return (tokens, counts.argmax(1));
    }
}
