using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// The ILGPU output: emitted only when the compilation references ILGPU, compared line for line with the
/// files under <c>Snapshots/</c>, and compiled together with a caller of the GPU API, free of errors and warnings.
/// </summary>
public sealed class GpuSnapshotTests
{
    private const string Models = """
        using NormGen;

        namespace Transformer;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln1", Axes = "D", Shape = [768])]
        [RmsNorm("finalNorm", Axes = "D", Shape = [4096], ElementType = typeof(System.Half), Eps = 1e-6)]
        [LayerNorm("ln2", Layout = "N,C=64,H=8,W=8", Axes = "C")]
        [BatchNorm("bn", Layout = "N,C=16,H=4,W=4")]
        [BatchNorm("bnLast", Layout = "N,L=10,C=8", ElementType = typeof(System.Half), TrackRunningStats = false, Affine = false)]
        [GroupNorm("gn", 4, Layout = "N,C=16,H=4,W=4")]
        [LayerNorm("lnFused", Axes = "D", Shape = [1536], InputBias = true, Residual = true, Activation = Activation.Relu)]
        [RmsNorm("rmsSilu", Axes = "D", Shape = [256], Activation = Activation.Silu)]
        [BatchNorm("bnGelu", Layout = "N,C=4", Activation = Activation.Gelu, ElementType = typeof(double))]
        [InstanceNorm("instance", Layout = "N,L=10,C=8", ElementType = typeof(double))]
        [InstanceNorm("instanceRunning", Layout = "N,C=8,L=10", TrackRunningStats = true, Affine = true)]
        public partial class Block
        {
        }
        """;

    private const string Caller = """
        using ILGPU;
        using ILGPU.Runtime;
        using Transformer;

        internal static class Caller
        {
            public static void Train(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
                ArrayView<float> stats, ArrayView<ILGPU.Half> h, ArrayView<ILGPU.Half> hw)
            {
                Block.Ln1Gpu.Forward(stream, x, w, b, y, stats, stats);
                Block.Ln1Gpu.Forward(stream, x, w, b, y, default, default);
                Block.Ln1Gpu.Backward(stream, y, x, w, stats, stats, x, w, b, stats);
                _ = Block.Ln1Gpu.WorkspaceLength(4) == 4 * 2 * Block.Ln1Gpu.RowLength && Block.Ln1Gpu.PartialRowLimit > 0;
                Block.FinalNormGpu.Forward(stream, h, hw, h, stats);
                Block.FinalNormGpu.Backward(stream, h, h, hw, stats, h, hw, stats);
                long tracked = 0;
                Block.BnGpu.ForwardTraining(stream, x, w, b, w, w, ref tracked, y, stats, stats);
                Block.BnGpu.ForwardEval(stream, x, w, b, w, w, y);
                Block.BnGpu.Backward(stream, y, x, w, stats, stats, x, w, b);
                Block.BnGpu.BackwardEval(stream, y, x, w, w, w, x, w, b);
                _ = Block.BnGpu.Channels * Block.BnGpu.Spatial == Block.BnGpu.SampleLength && Block.BnGpu.Momentum == 0.1;
                Block.BnLastGpu.Forward(stream, h, h, stats, stats);
                Block.BnLastGpu.Backward(stream, h, h, stats, stats, h);
                Block.GnGpu.Forward(stream, x, w, b, y, stats, stats);
                Block.GnGpu.Backward(stream, y, x, w, stats, stats, x, w, b, stats);
                Block.Ln2Gpu.Forward(stream, x, w, b, y, stats, stats);
                Block.Ln2Gpu.Backward(stream, y, x, w, stats, stats, x, w, b, stats);
                _ = Block.Ln2Gpu.WorkspaceLength(2 * Block.Ln2Gpu.Inner) == 1 * 2 * Block.Ln2Gpu.Reduced && Block.Ln2Gpu.ColumnsPerSlot == 256;
                Block.InstanceRunningGpu.ForwardTraining(stream, x, w, b, y, w, w, stats, stats, stats);
                Block.InstanceRunningGpu.ForwardEval(stream, x, w, b, w, w, y);
                _ = Block.InstanceRunningGpu.Momentum == 0.1;
                Block.LnFusedGpu.Forward(stream, x, w, x, w, b, y, x, stats, stats);
                Block.LnFusedGpu.Backward(stream, y, x, w, b, stats, stats, x, w, w, b, stats);
                _ = Block.LnFusedGpu.WorkspaceLength(3) == 3 * 3 * Block.LnFusedGpu.RowLength;
                _ = Block.GnGpu.WorkspaceLength(2) == 2 * 2 * Block.GnGpu.Channels && Block.GnGpu.ChannelsPerGroup == 4;
                using Context context = NormGen.Gpu.GpuAccelerators.CreateContext();
                using Accelerator accelerator = NormGen.Gpu.GpuAccelerators.CreatePreferred(context);
            }
        }
        """;

    private static readonly MetadataReference Ilgpu = MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location);

    [Fact]
    public async Task Row_norms_and_channel_norms_get_gpu_kernels_and_the_runtime_once()
    {
        GeneratorRun run = GeneratorRun.Of((await TestCompilation.CreateAsync([Models, Caller])).AddReferences(Ilgpu));

        AssertSnapshot(run, "Transformer.Block.Gpu.g.cs", "GpuNorms.g.cs");
        AssertSnapshot(run, "NormGen.Gpu.g.cs", "GpuRuntime.g.cs");
        Assert.Empty(run.Result.Diagnostics);
        Assert.Null(run.Result.Exception);
        ImmutableArray<Diagnostic> problems = Problems(run.Output);
        Assert.True(problems.IsEmpty, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task A_norm_whose_gpu_type_name_is_taken_by_another_norm_stays_cpu_only()
    {
        // "lnGpu"'s CPU kernel type is LnGpu, the name "ln"'s GPU type would take: "ln" gets no GPU type, and nothing
        // is reported; "lnGpu" gets LnGpuGpu.
        const string source = """
            using NormGen;

            [TensorLayout("B,T,D=64")]
            [LayerNorm("ln", Axes = "D")]
            [LayerNorm("lnGpu", Axes = "D")]
            public partial class Block
            {
            }
            """;
        GeneratorRun run = GeneratorRun.Of((await TestCompilation.CreateAsync(source)).AddReferences(Ilgpu));

        string gpu = run.TextOf("Block.Gpu.g.cs");
        Assert.Contains("public static class LnGpuGpu", gpu);
        Assert.DoesNotContain("public static class LnGpu\n", gpu);
        Assert.Empty(run.Result.Diagnostics);
        Assert.Empty(Problems(run.Output));
    }

    [Fact]
    public async Task A_compilation_without_ilgpu_gets_no_gpu_code()
    {
        GeneratorRun run = await GeneratorRun.OfAsync(Models);

        Assert.Equal(["Transformer.Block.g.cs"], run.GeneratedSources.Select(s => s.HintName));
        Assert.All(run.GeneratedSources, source => Assert.DoesNotContain("ILGPU", source.SourceText.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(run.Output.ReferencedAssemblyNames, identity => identity.Name == "ILGPU");
    }

    [Fact]
    public async Task An_unrelated_edit_leaves_every_gpu_output_cached()
    {
        Compilation compilation = (await TestCompilation.CreateAsync([Models, Caller])).AddReferences(Ilgpu);
        GeneratorDriver driver = GeneratorRun.CreateDriver().RunGenerators(compilation);

        Compilation edited = compilation.AddSyntaxTrees(TestCompilation.Parse("internal static class Unrelated { }", "Unrelated.cs"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.GeneratedSources, s => s.HintName == "Transformer.Block.Gpu.g.cs");
        Assert.Contains(result.GeneratedSources, s => s.HintName == "NormGen.Gpu.g.cs");
        Assert.All(
            result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    /// <summary>
    /// Warnings and errors, except the assembly-version unification notes (CS1701/CS1702) about ILGPU's .NET 7 build
    /// that the SDK silences in every project by default.
    /// </summary>
    private static ImmutableArray<Diagnostic> Problems(Compilation compilation) => compilation.GetDiagnostics()
        .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id is not ("CS1701" or "CS1702"))
        .ToImmutableArray();

    private static void AssertSnapshot(GeneratorRun run, string hintName, string snapshot)
    {
        string text = run.TextOf(hintName);
        if (Snapshot.Accepting)
        {
            Snapshot.Accept(snapshot, text);
        }

        Assert.Equal(Snapshot.Read(snapshot).Replace("\r\n", "\n"), text.Replace("\r\n", "\n"));
    }
}
