using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pitfalls;

/// <summary>A small image classifier with BatchNorm and Dropout, written correctly.</summary>
public sealed class ConvNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(3, 32, 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn1 = nn.BatchNorm2d(32);
    private readonly Conv2d conv2 = nn.Conv2d(32, 64, 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn2 = nn.BatchNorm2d(64);
    private readonly Dropout dropout = nn.Dropout(0.25);
    private readonly Linear fc = nn.Linear(64, 10);

    public ConvNet() : base(nameof(ConvNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.relu(bn1.forward(conv1.forward(x)));
        x = nn.functional.relu(bn2.forward(conv2.forward(x)));
        return fc.forward(dropout.forward(x.mean(new long[] { 2, 3 })));
    }
}

/// <summary>Layers built with the pitfalls that show in their constructor arguments.</summary>
public static class Layers
{
    // NGA001: 48 channels cannot be split into 32 groups.
    public static GroupNorm Groups() => nn.GroupNorm(32, 48);

    // NGA002: Keras' momentum; PyTorch's would be 0.01.
    public static BatchNorm2d KerasMomentum() => nn.BatchNorm2d(64, momentum: 0.99);

    // NGA003: an eps this small vanishes next to a float32 variance.
    public static LayerNorm TinyEps() => nn.LayerNorm(768, eps: 1e-12);

    // NGA007: the convolution's bias is cancelled by BatchNorm's mean subtraction.
    // NGA009: Dropout right before BatchNorm.
    public static Sequential Head() => nn.Sequential(
        nn.Conv2d(64, 128, 3, padding: 1),
        nn.BatchNorm2d(128),
        nn.ReLU(),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.BatchNorm1d(128 * 8 * 8));

    // NGA011: the Linear layer produces 256 features, the LayerNorm expects 128.
    public static Sequential Projection() => nn.Sequential(nn.Linear(512, 256), nn.LayerNorm(128));

    // NGA012: a LayerNorm over [C, H, W] only accepts 32×32 inputs.
    public static LayerNorm ResolutionBound() => nn.LayerNorm(new long[] { 64, 32, 32 });
}

/// <summary>NGA013: BatchNorm over token features mixes positions and padding.</summary>
public sealed class Tagger : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding = nn.Embedding(10000, 256);
    private readonly BatchNorm1d norm = nn.BatchNorm1d(256);
    private readonly Linear classifier = nn.Linear(256, 17);

    public Tagger() : base(nameof(Tagger)) => RegisterComponents();

    public override Tensor forward(Tensor tokens)
    {
        Tensor features = embedding.forward(tokens);
        long batch = features.shape[0], time = features.shape[1];
        Tensor normalized = norm.forward(features.reshape(batch * time, 256)).reshape(batch, time, 256);
        return classifier.forward(normalized);
    }
}

/// <summary>NGA010: the BatchNorm layers in a List are invisible to eval(), parameters() and state_dict.</summary>
public sealed class Ensemble : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc = nn.Linear(64, 64);
    private readonly List<BatchNorm1d> norms = new() { nn.BatchNorm1d(64), nn.BatchNorm1d(64) };

    public Ensemble() : base(nameof(Ensemble)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        foreach (BatchNorm1d norm in norms)
        {
            x = norm.forward(fc.forward(x));
        }

        return x;
    }
}
