using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using NormGen.Analyzers.CodeFixes;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.SmallBatchBatchNormAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA014_SmallBatchBatchNormTests
{
    private const string OneSample = "one sample has no batch statistics (BatchNorm1d refuses it and BatchNorm2d normalizes each channel over a single image); use GroupNorm or LayerNorm, or train on larger batches";

    private static string Few(int minimum) =>
        $"below {minimum} samples the batch statistics are too noisy to train with and the running statistics drift from what the model sees; use GroupNorm or LayerNorm, or larger batches";

    private static DiagnosticResult Expected(int marker, DiagnosticSeverity severity, string module, int size, string source, string advice) =>
        new DiagnosticResult(Analyzers.DiagnosticDescriptors.SmallBatchBatchNorm)
            .WithLocation(marker)
            .WithSeverity(severity)
            .WithArguments(module, size, source, advice)
            .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Fact]
    public Task Training_a_BatchNorm_model_on_tiny_constant_batches_is_flagged() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Training
        {
            public static void FromLoader(torch.utils.data.Dataset dataset)
            {
                var model = new ConvNet();
                var optimizer = optim.SGD(model.parameters(), 0.01);
                var loader = torch.utils.data.DataLoader(dataset, batchSize: 1, shuffle: true);
                foreach (var batch in loader)
                {
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy({|#0:model.call(batch["data"])|}, batch["label"]);
                    loss.backward();
                    optimizer.step();
                }
            }

            public static void FromTensor()
            {
                var model = new Residual();
                var optimizer = optim.Adam(model.parameters());
                var images = torch.randn(4, 1, 28, 28);
                for (int step = 0; step < 100; step++)
                {
                    optimizer.zero_grad();
                    {|#1:model.forward(images)|}.sum().backward();
                    model.forward(images);
                    optimizer.step();
                }
            }

            public static void OneAtATime(Tensor image, Tensor label)
            {
                var model = new ConvNet();
                model.train();
                var loss = nn.functional.cross_entropy({|#2:model.call(image.unsqueeze(0))|}, label);
                loss.backward();
            }

            public static void Inline()
            {
                var head = nn.Sequential(nn.Linear(16, 16), nn.BatchNorm1d(16));
                {|#3:head.call(torch.zeros(new long[] { 2, 16 }))|}.sum().backward();
            }
        }

        [NormGen.TensorLayout("N=1,C=64,H=8,W=8")]
        [{|#4:NormGen.BatchNorm("bn")|}]
        partial class TinyBlock { }
        """ + Models.ConvNets,
        [
            Expected(0, DiagnosticSeverity.Warning, "'model'", 1, "the batchSize of the DataLoader it iterates is 1", OneSample),
            Expected(1, DiagnosticSeverity.Info, "'model'", 4, "a tensor from torch.randn whose leading extent is 4", Few(8)),
            Expected(2, DiagnosticSeverity.Warning, "'model'", 1, "a single sample made into a batch with unsqueeze(0)", OneSample),
            Expected(3, DiagnosticSeverity.Info, "'head'", 2, "a tensor from torch.zeros whose leading extent is 2", Few(8)),
            Expected(4, DiagnosticSeverity.Warning, "'TinyBlock'", 1, "the static batch extent N=1 of its layout", OneSample),
        ]);

    [Fact]
    public Task Inference_large_or_unknown_batches_and_models_without_BatchNorm_are_left_alone() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Usage
        {
            // Predicting one sample at a time is fine: eval() uses the running statistics.
            public static Tensor Predict(ConvNet model, Tensor image)
            {
                model.eval();
                using (torch.no_grad())
                {
                    return model.call(image.unsqueeze(0));
                }
            }

            public static Tensor PredictWithoutBackward()
            {
                var model = new ConvNet();
                model.eval();
                return model.call(torch.randn(1, 1, 28, 28));
            }

            // No backward pass: nothing trains here.
            public static Tensor Features(ConvNet model) => model.call(torch.randn(1, 1, 28, 28));

            public static void LayerNormOnly()
            {
                var model = new LayerNormNet();
                model.call(torch.randn(1, 16)).sum().backward();
            }

            public static void Large(torch.utils.data.Dataset dataset, int batchSize)
            {
                var model = new ConvNet();
                foreach (var batch in torch.utils.data.DataLoader(dataset, 64))
                {
                    model.call(batch["data"]).sum().backward();
                }

                foreach (var batch in torch.utils.data.DataLoader(dataset, batchSize))
                {
                    model.call(batch["data"]).sum().backward();
                }

                model.call(torch.randn(8, 1, 28, 28)).sum().backward();
                model.call(torch.randn(new long[] { batchSize, 1, 28, 28 })).sum().backward();

                var grown = torch.randn(1, 1, 28, 28);
                grown = grown.expand(16, 1, 28, 28);
                model.call(grown).sum().backward();
            }
        }

        [NormGen.TensorLayout("N,C=64,H=8,W=8")]
        [NormGen.BatchNorm("bn")]
        [NormGen.BatchNorm("fixedBatch", Layout = "N=32,C=64")]
        [NormGen.LayerNorm("ln", Layout = "N=1,D=64", Axes = "D")]
        partial class Block { }
        """ + Models.ConvNets);

    [Fact]
    public Task The_minimum_comes_from_editorconfig() => Verifier.AnalyzerAsync(Models.Usings + """
        static class Training
        {
            public static void Step()
            {
                var model = new ConvNet();
                {|#0:model.call(torch.randn(8, 1, 28, 28))|}.sum().backward();
                model.call(torch.randn(16, 1, 28, 28)).sum().backward();
            }
        }
        """ + Models.ConvNets,
        [Expected(0, DiagnosticSeverity.Info, "'model'", 8, "a tensor from torch.randn whose leading extent is 8", Few(16))],
        editorConfig: "normgen.nga014.minimum_batch_size = 16\n");

    private const string Cnn = """
        sealed class Cnn : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(3, 64, 3, bias: false);
            private readonly BatchNorm2d bn1;
            private readonly Sequential head = nn.Sequential(nn.Conv2d(64, 48, 1), nn.BatchNorm2d(48 /* head */), nn.ReLU());

            public Cnn(long channels) : base(nameof(Cnn))
            {
                bn1 = nn.BatchNorm2d(64, eps: 1e-3, momentum: 0.01);
                var extra = nn.BatchNorm2d(channels);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => head.forward(bn1.forward(conv.forward(x)));
        }
        """;

    private const string Training = """
        static class Training
        {
            public static void Step()
            {
                var model = new Cnn(8);
                {|NGA014:model.call(torch.randn(2, 3, 32, 32))|}.sum().backward();
            }
        }

        """;

    [Fact]
    public Task Fix_replaces_BatchNorm2d_with_GroupNorm_and_retypes_its_field() =>
        Verifier.CodeFixAsync<SmallBatchBatchNormCodeFixProvider>(Models.Usings + Training + Cnn, Models.Usings + Training.Replace("{|NGA014:", "").Replace(")|}", ")") + """
        sealed class Cnn : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(3, 64, 3, bias: false);
            private readonly GroupNorm bn1;
            private readonly Sequential head = nn.Sequential(nn.Conv2d(64, 48, 1), nn.GroupNorm(24, 48 /* head */), nn.ReLU());

            public Cnn(long channels) : base(nameof(Cnn))
            {
                bn1 = nn.GroupNorm(32, 64, eps: 1e-3);
                var extra = nn.GroupNorm(1, channels);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => head.forward(bn1.forward(conv.forward(x)));
        }
        """);

    private const string Mlp = """
        static class Training
        {
            public static void Step(torch.utils.data.Dataset dataset)
            {
                var mlp = nn.Sequential(nn.Linear(784, 128), nn.BatchNorm1d(128, affine: false), nn.ReLU(), nn.Linear(128, 10));
                foreach (var batch in torch.utils.data.DataLoader(dataset, batchSize: 1))
                {
                    {|NGA014:mlp.call(batch["data"])|}.sum().backward();
                }
            }
        }
        """;

    [Fact]
    public Task Fix_offers_LayerNorm_for_BatchNorm1d() =>
        Verifier.CodeFixAsync<SmallBatchBatchNormCodeFixProvider>(
            Models.Usings + Mlp,
            Models.Usings + Mlp.Replace("{|NGA014:", "").Replace(")|}", ")").Replace("nn.BatchNorm1d(128, affine: false)", "nn.LayerNorm(128, elementwise_affine: false)"),
            equivalenceKey: "LayerNorm");

    [Fact]
    public Task Fix_offers_GroupNorm_for_BatchNorm1d_too() =>
        Verifier.CodeFixAsync<SmallBatchBatchNormCodeFixProvider>(
            Models.Usings + Mlp,
            Models.Usings + Mlp.Replace("{|NGA014:", "").Replace(")|}", ")").Replace("nn.BatchNorm1d(128, affine: false)", "nn.GroupNorm(32, 128, affine: false)"),
            equivalenceKey: "GroupNorm");

    [Fact]
    public Task Fix_declares_a_GroupNorm_instead_of_a_NormGen_BatchNorm() => Verifier.CodeFixAsync<SmallBatchBatchNormCodeFixProvider>("""
        using NormGen;

        [TensorLayout("N=2,C=48,H=8,W=8")]
        [{|NGA014:BatchNorm("bn1", Momentum = 0.01, Eps = 1e-3)|}]
        [{|NGA014:NormGen.BatchNormAttribute("bn2", Layout = "B=1,F=100", ChannelAxis = "F", TrackRunningStats = false)|}]
        partial class Block { }
        """, """
        using NormGen;

        [TensorLayout("N=2,C=48,H=8,W=8")]
        [GroupNorm("bn1", 24, Eps = 1e-3)]
        [NormGen.GroupNormAttribute("bn2", 25, Layout = "B=1,F=100", ChannelAxis = "F")]
        partial class Block { }
        """);
}
