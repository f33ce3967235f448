namespace NormGen.Analyzers.Tests;

/// <summary>Model classes shared by the tests: realistic TorchSharp modules with and without mode-dependent layers.</summary>
internal static class Models
{
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        """;

    /// <summary>A small conv net with BatchNorm and Dropout, and one with LayerNorm only.</summary>
    public const string ConvNets = """

        sealed class ConvNet : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(1, 8, 3, bias: false);
            private readonly BatchNorm2d bn = nn.BatchNorm2d(8);
            private readonly Dropout dropout = nn.Dropout(0.25);
            private readonly Linear fc = nn.Linear(8, 10);

            public ConvNet() : base("convnet") => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                fc.forward(dropout.forward(nn.functional.relu(bn.forward(conv.forward(x))).mean(new long[] { 2, 3 })));
        }

        sealed class Residual : nn.Module<Tensor, Tensor>
        {
            private readonly ConvNet inner = new ConvNet();

            public Residual() : base("residual") => RegisterComponents();

            public override Tensor forward(Tensor x) => inner.forward(x);
        }

        sealed class LayerNormNet : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = nn.Linear(16, 16);
            private readonly LayerNorm ln = nn.LayerNorm(16);
            private readonly Linear fc2 = nn.Linear(16, 4);

            public LayerNormNet() : base("lnnet") => RegisterComponents();

            public override Tensor forward(Tensor x) => fc2.forward(nn.functional.gelu(ln.forward(fc1.forward(x))));
        }
        """;
}
