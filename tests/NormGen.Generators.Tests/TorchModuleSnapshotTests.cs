using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// TorchSharp modules: emitted beside the kernels, file by file as in <c>Snapshots/</c>, only when the
/// compilation references TorchSharp, compiling without errors or warnings together with a caller of
/// the modules, and leaving the pipeline's caching intact.
/// </summary>
public sealed class TorchModuleSnapshotTests
{
    private const string Models = """
        using NormGen;

        namespace Transformer;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln1", Axes = "D", Shape = [64])]
        [RmsNorm("mlpNorm", Axes = "D", Shape = [64], Eps = 1e-6, Residual = true, ElementType = typeof(System.Half))]
        [LayerNorm("biased", Axes = "D", Shape = [64], InputBias = true)]
        public partial class Block { }

        [TensorLayout("N,C=16,H=8,W=8")]
        [BatchNorm("bn", Activation = Activation.Relu)]
        [GroupNorm("gn", 4, ElementType = typeof(double))]
        [InstanceNorm("style", TrackRunningStats = true)]
        [LayerNorm("channels", Axes = "C", Eps = 1e-6)]
        public partial class ConvBlock { }
        """;

    private const string Caller = """
        using TorchSharp;
        using Transformer;
        using static TorchSharp.torch;

        internal static class Caller
        {
            public static Tensor Run(Tensor x, Tensor h)
            {
                var ln1 = new Block.Ln1Module();
                var mlpNorm = new Block.MlpNormModule();
                var bn = new ConvBlock.BnModule();
                var gn = new ConvBlock.GnModule();
                var style = new ConvBlock.StyleModule();
                var channels = new ConvBlock.ChannelsModule();
                nn.Module<Tensor, Tensor> dropIn = ln1;
                (Tensor y, Tensor stream) = mlpNorm.call(x, h);
                bn.eval();
                _ = bn.running_mean.add(bn.running_var).add(bn.num_batches_tracked);
                _ = style.running_mean;
                _ = gn.weight.add(gn.bias);
                _ = channels.call(bn.call(h));
                return dropIn.call(x).add(y).add(stream);
            }
        }
        """;

    private static MetadataReference TorchSharpReference { get; } =
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location);

    private static async Task<GeneratorRun> RunAsync(bool withTorchSharp, params string[] sources)
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync(sources);
        return GeneratorRun.Of(withTorchSharp ? compilation.AddReferences(TorchSharpReference) : compilation);
    }

    [Theory]
    [InlineData("TorchModulesTransformerBlock.g.cs", "Transformer.Block.TorchSharp.g.cs")]
    [InlineData("TorchModulesConvBlock.g.cs", "Transformer.ConvBlock.TorchSharp.g.cs")]
    [InlineData("TorchModuleSupport.g.cs", "NormGen.TorchModuleSupport.g.cs")]
    public async Task Modules_match_their_snapshots_and_compile_cleanly_with_a_caller(string snapshot, string hintName)
    {
        GeneratorRun run = await RunAsync(withTorchSharp: true, Models, Caller);
        run.AssertCleanRun();
        string text = run.TextOf(hintName);
        if (Snapshot.Accepting)
        {
            Snapshot.Accept(snapshot, text);
        }

        Assert.Equal(Snapshot.Read(snapshot).Replace("\r\n", "\n"), text.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task Norms_with_a_fused_input_bias_get_no_module()
    {
        GeneratorRun run = await RunAsync(withTorchSharp: true, Models);
        string modules = run.TextOf("Transformer.Block.TorchSharp.g.cs");
        Assert.Contains("class Ln1Module", modules);
        Assert.DoesNotContain("BiasedModule", modules);
    }

    [Fact]
    public async Task A_project_without_TorchSharp_gets_no_TorchSharp_code()
    {
        GeneratorRun run = await RunAsync(withTorchSharp: false, Models);
        run.AssertCleanRun();
        Assert.NotEmpty(run.GeneratedSources);
        Assert.All(run.GeneratedSources, source =>
        {
            Assert.DoesNotContain("TorchSharp", source.HintName);
            Assert.DoesNotContain("TorchSharp", source.SourceText.ToString());
        });
    }

    [Fact]
    public async Task Modules_stay_cached_through_an_edit_that_touches_no_norm()
    {
        CSharpCompilation compilation = (await TestCompilation.CreateAsync(new[] { Models, "public static class Trainer { public static int Step(int x) => x * 2; }" }))
            .AddReferences(TorchSharpReference);
        GeneratorRun first = GeneratorRun.Of(compilation);
        SyntaxTree trainer = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            trainer,
            TestCompilation.Parse("public static class Trainer { public static int Step(int x) => x * 3; }", trainer.FilePath));
        GeneratorRun second = GeneratorRun.Of(first.Driver, edited);

        var torchStep = Assert.Single(second.Result.TrackedSteps[TrackingNames.ReferencesTorchSharp]);
        Assert.All(torchStep.Outputs, output => Assert.Equal(IncrementalStepRunReason.Unchanged, output.Reason));
        Assert.All(
            second.Result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output {output.Reason}"));
        Assert.Equal(
            first.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())),
            second.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())));
    }
}
