using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// Deterministic builds need deterministic generated code: the same input gives the same bytes,
/// run after run and whatever the culture of the machine that builds.
/// </summary>
public sealed class DeterminismTests
{
    private const string Source = """
        using NormGen;

        namespace Models;

        [TensorLayout("N,C=16,H=8,W=8")]
        [LayerNorm("stem", Axes = "C,H,W", Eps = 1.5e-5)]
        [LayerNorm("head", Axes = "W", Eps = 0.001, ElementType = typeof(double), Bias = false)]
        [RmsNorm("rms", Axes = "H,W", Eps = 1e-6)]
        [RmsNorm("rmsDefault", Axes = "H,W", ElementType = typeof(double))]
        public partial class Net { }

        [TensorLayout("B,T,D")]
        [RmsNorm("final", Axes = "D", Shape = [100], ElementwiseAffine = false)]
        public partial class Decoder<T> { }

        [TensorLayout("N,C=12,H=6,W=6")]
        [BatchNorm("bn", Momentum = 0.01, Eps = 1.5e-3, Activation = Activation.Relu)]
        [BatchNorm("bnHalf", Layout = "N,H=6,W=6,C=12", ElementType = typeof(System.Half), CumulativeAverage = true)]
        [GroupNorm("gn", 3, Eps = 2.5e-6, Activation = Activation.Gelu)]
        [InstanceNorm("inorm", Affine = true, TrackRunningStats = true, Momentum = 0.3, ElementType = typeof(double))]
        [LayerNorm("channels", Axes = "C", Eps = 1e-6, Activation = Activation.GeluTanh)]
        [RmsNorm("channelsHalf", Axes = "C,H", ElementType = typeof(System.Half))]
        [LayerNorm("fused", Axes = "W", Residual = true, InputBias = true, Activation = Activation.Silu, ElementType = typeof(System.Half))]
        public partial class ConvBlock { }
        """;

    [Fact]
    public async Task Two_fresh_runs_on_the_same_input_give_byte_identical_files()
    {
        GeneratorRun first = await GeneratorRun.OfAsync(Source);
        GeneratorRun second = await GeneratorRun.OfAsync(Source);

        Assert.Equal(3, first.GeneratedSources.Length);
        Assert.Equal(Files(first), Files(second));
    }

    [Theory]
    [InlineData("de-DE")]  // decimal comma
    [InlineData("tr-TR")]  // dotless i in upper-casing
    [InlineData("ar-SA")]  // other digits and signs
    [InlineData("fa-IR")]
    public async Task The_build_machines_culture_does_not_leak_into_the_code(string culture)
    {
        GeneratorRun invariant = await RunInCultureAsync(CultureInfo.InvariantCulture);
        GeneratorRun local = await RunInCultureAsync(CultureInfo.GetCultureInfo(culture));

        // Same text as in the invariant culture, so it compiles as that does (checked once, below).
        Assert.Null(local.Result.Exception);
        Assert.Empty(local.Result.Diagnostics);
        Assert.Equal(Files(invariant), Files(local));
    }

    [Fact]
    public async Task The_files_compile_cleanly()
    {
        GeneratorRun run = await GeneratorRun.OfAsync(Source);
        run.AssertCleanRun();
    }

    [Fact]
    public async Task Constants_are_written_so_they_round_trip()
    {
        GeneratorRun run = await GeneratorRun.OfAsync(Source);
        string net = run.TextOf("Models.Net.g.cs");

        Assert.Contains("public const float Epsilon = 1.5E-05f;", net);
        Assert.Contains("public const double Epsilon = 0.001d;", net);
        Assert.Contains("public const float Epsilon = 1E-06f;", net);
        Assert.Contains("public const double Epsilon = 2.220446049250313E-16d;", net);
        Assert.Contains("public const int RowLength = 1024;", net);
        Assert.Contains("new int[] { 16, 8, 8 }", net);
    }

    private static async Task<GeneratorRun> RunInCultureAsync(CultureInfo culture)
    {
        var compilation = await TestCompilation.CreateAsync(Source);
        CultureInfo saved = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
            return GeneratorRun.Of(compilation);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }
    }

    private static string[] Files(GeneratorRun run) => run.GeneratedSources
        .Select(s => s.HintName + "\n" + Convert.ToHexString(Encoding.UTF8.GetBytes(s.SourceText.ToString())) + "\n" + Convert.ToHexString(s.SourceText.GetChecksum().ToArray()))
        .ToArray();
}
