using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generators.Model;
using NormGen.Generators.Parsing;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// What the parser hands the emitters for each kind of norm: the memory arrangement and its
/// constants, the parameters, PyTorch's defaults, and the options carried through as written.
/// </summary>
public sealed class ModelSpecTests
{
    // ------------------------------------------------------------------ LayerNorm and RMSNorm

    [Theory]
    [InlineData("B,T,D=768", "D", "Rows", 768, 1)]
    [InlineData("N,C=8,H=4,W=4", "C,H,W", "Rows", 128, 1)]
    [InlineData("N,C=8,H=4,W=4", "H,W", "Rows", 16, 1)]
    [InlineData("N,C=8,H=4,W=4", "C", "Columns", 8, 16)]  // channels-first LayerNorm
    [InlineData("N,C=8,H=4,W=4", "C,H", "Columns", 32, 4)]
    [InlineData("N,C=8,H=4,W=4", "H", "Columns", 4, 4)]
    [InlineData("N=2,C=8,H=4,W=4", "N,C", "Columns", 16, 16)]
    [InlineData("N=2,C=8,H=4,W=4", "N,C,H,W", "Rows", 256, 1)]
    [InlineData("N,C=8,H=1,W=1", "C", "Rows", 8, 1)]  // only unit axes after it: contiguous rows
    public async Task An_axis_norm_gets_rows_or_columns_by_where_its_axes_sit(
        string layout, string axes, string kind, int reduced, int inner)
    {
        foreach (string attribute in new[] { "LayerNorm", "RmsNorm" })
        {
            NormSpec norm = await ParseSingleAsync($"""[{attribute}("norm", Layout = "{layout}", Axes = "{axes}")]""");

            Assert.Equal(new NormGeometry(Enum.Parse<GeometryKind>(kind), reduced, inner, 0, 0, 0), norm.Geometry);
            Assert.Equal(axes.Split(','), norm.Axes);
            Assert.Equal(layout.Split(',').Select(a => a.Split('=')[0]), norm.Layout);
            Assert.Equal(reduced, norm.ParameterCount);
        }
    }

    [Fact]
    public async Task The_parameter_shape_is_the_normalized_extents_from_Shape_or_the_layout()
    {
        NormSpec fromShape = await ParseSingleAsync("""[LayerNorm("ln", Layout = "N,C,H,W=5", Axes = "C,H", Shape = [3, 4])]""");
        Assert.Equal([3, 4], fromShape.Shape);
        Assert.Equal(new NormGeometry(GeometryKind.Columns, 12, 5, 0, 0, 0), fromShape.Geometry);

        NormSpec mixed = await ParseSingleAsync("""[LayerNorm("ln", Layout = "N,C=3,H,W=5", Axes = "C,H", Shape = [3, 4])]""");
        Assert.Equal([3, 4], mixed.Shape);
    }

    [Fact]
    public async Task LayerNorm_has_PyTorchs_defaults_and_its_affine_switches()
    {
        NormSpec norm = await ParseSingleAsync("""[LayerNorm("ln", Layout = "B,T,D=8", Axes = "D")]""");
        Assert.Equal((NormKind.LayerNorm, ElementKind.Float, 1e-5, true, true), (norm.Kind, norm.Element, norm.Epsilon, norm.HasWeight, norm.HasBias));
        Assert.Equal((ActivationKind.None, false, false), (norm.Activation, norm.Residual, norm.InputBias));

        NormSpec noBias = await ParseSingleAsync("""[LayerNorm("ln", Layout = "B,T,D=8", Axes = "D", Bias = false)]""");
        Assert.Equal((true, false), (noBias.HasWeight, noBias.HasBias));

        NormSpec noAffine = await ParseSingleAsync("""[LayerNorm("ln", Layout = "B,T,D=8", Axes = "D", ElementwiseAffine = false)]""");
        Assert.Equal((false, false), (noAffine.HasWeight, noAffine.HasBias));
    }

    [Theory]
    [InlineData("float", "Float", 1.1920928955078125e-07)]
    [InlineData("double", "Double", 2.220446049250313e-16)]
    [InlineData("System.Half", "Half", 0.0009765625)]
    public async Task RmsNorm_defaults_to_the_machine_epsilon_of_its_element_type(string type, string elementKind, double eps)
    {
        ElementKind element = Enum.Parse<ElementKind>(elementKind);
        NormSpec norm = await ParseSingleAsync($"""[RmsNorm("rms", Layout = "B,T,D=8", Axes = "D", ElementType = typeof({type}))]""");
        Assert.Equal((NormKind.RmsNorm, element, eps, true, false), (norm.Kind, norm.Element, norm.Epsilon, norm.HasWeight, norm.HasBias));
    }

    [Fact]
    public async Task Fusions_and_the_activation_are_carried_as_written()
    {
        NormSpec norm = await ParseSingleAsync(
            """[LayerNorm("ln", Layout = "B,T,D=8", Axes = "D", Residual = true, InputBias = true, Activation = Activation.GeluTanh, ElementType = typeof(System.Half))]""");
        Assert.Equal((true, true, ActivationKind.GeluTanh, ElementKind.Half), (norm.Residual, norm.InputBias, norm.Activation, norm.Element));

        NormSpec columns = await ParseSingleAsync("""[RmsNorm("rms", Layout = "N,C=8,H=2,W=2", Axes = "C", Activation = Activation.Silu)]""");
        Assert.Equal((false, false, ActivationKind.Silu), (columns.Residual, columns.InputBias, columns.Activation));
    }

    [Fact]
    public void The_activation_values_match_the_runtime_enum()
    {
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            Assert.Equal(activation.ToString(), ((ActivationKind)(int)activation).ToString());
        }

        Assert.Equal(Enum.GetValues<Activation>().Length, Enum.GetValues<ActivationKind>().Length);
    }

    // ------------------------------------------------------------------ channel norms

    [Theory]
    [InlineData("N,C=8,H=4,W=4", "ChannelsFirst", 8, 16)]
    [InlineData("N,C=8,D=2,H=4,W=4", "ChannelsFirst", 8, 32)]
    [InlineData("N,C=8,L=5", "ChannelsFirst", 8, 5)]
    [InlineData("N,C=8", "ChannelsFirst", 8, 1)]  // BatchNorm1d on (N, C)
    [InlineData("N,H=4,W=4,C=8", "ChannelsLast", 8, 16)]
    [InlineData("N,L=5,C=8", "ChannelsLast", 8, 5)]
    [InlineData("N=3,C=8,H=4,W=4", "ChannelsFirst", 8, 16)]  // the batch extent plays no part
    public async Task A_channel_norm_gets_channels_first_or_last_by_where_its_channel_axis_sits(
        string layout, string arrangement, int channels, int spatial)
    {
        GeometryKind kind = Enum.Parse<GeometryKind>(arrangement);
        NormSpec batch = await ParseSingleAsync($"""[BatchNorm("bn", Layout = "{layout}")]""");
        Assert.Equal(new NormGeometry(kind, 0, 1, channels, 1, spatial), batch.Geometry);
        Assert.Equal(["C"], batch.Axes);
        Assert.Equal([channels], batch.Shape);

        NormSpec group = await ParseSingleAsync($"""[GroupNorm("gn", 2, Layout = "{layout}")]""");
        Assert.Equal(new NormGeometry(kind, 0, 1, channels, 2, spatial), group.Geometry);

        if (spatial > 1)
        {
            // One spatial element is NG0024 for InstanceNorm.
            NormSpec instance = await ParseSingleAsync($"""[InstanceNorm("inorm", Layout = "{layout}")]""");
            Assert.Equal(new NormGeometry(kind, 0, 1, channels, channels, spatial), instance.Geometry);
        }
    }

    [Fact]
    public async Task The_channel_axis_may_have_any_name_and_the_count_may_come_from_Channels()
    {
        NormSpec named = await ParseSingleAsync("""[BatchNorm("bn", Layout = "N,F=16,T=8", ChannelAxis = "F")]""");
        Assert.Equal(["F"], named.Axes);
        Assert.Equal(new NormGeometry(GeometryKind.ChannelsFirst, 0, 1, 16, 1, 8), named.Geometry);

        NormSpec counted = await ParseSingleAsync("""[GroupNorm("gn", 4, Layout = "N,H=2,W=3,C", Channels = 12)]""");
        Assert.Equal([12], counted.Shape);
        Assert.Equal(new NormGeometry(GeometryKind.ChannelsLast, 0, 1, 12, 4, 6), counted.Geometry);

        NormSpec lastAxis = await ParseSingleAsync("""[InstanceNorm("inorm", Layout = "N,C=4,H=2,W=3", ChannelAxis = "W")]""");
        Assert.Equal(new NormGeometry(GeometryKind.ChannelsLast, 0, 1, 3, 3, 8), lastAxis.Geometry);
    }

    [Fact]
    public async Task BatchNorm_has_PyTorchs_defaults()
    {
        NormSpec norm = await ParseSingleAsync("""[BatchNorm("bn", Layout = "N,C=8,H=2,W=2")]""");
        Assert.Equal(
            (NormKind.BatchNorm, ElementKind.Float, 1e-5, true, true, true, 0.1, false, ActivationKind.None),
            (norm.Kind, norm.Element, norm.Epsilon, norm.HasWeight, norm.HasBias, norm.TrackRunningStats, norm.Momentum, norm.CumulativeAverage, norm.Activation));
    }

    [Fact]
    public async Task BatchNorm_options_are_carried_as_written()
    {
        NormSpec norm = await ParseSingleAsync(
            """[BatchNorm("bn", Layout = "N,C=8", Affine = false, TrackRunningStats = false, Momentum = 0.25, CumulativeAverage = true, Eps = 1e-3, ElementType = typeof(System.Half), Activation = Activation.Relu)]""");
        Assert.Equal(
            (ElementKind.Half, 1e-3, false, false, false, 0.25, true, ActivationKind.Relu),
            (norm.Element, norm.Epsilon, norm.HasWeight, norm.HasBias, norm.TrackRunningStats, norm.Momentum, norm.CumulativeAverage, norm.Activation));
    }

    [Fact]
    public async Task GroupNorm_is_affine_by_default_and_keeps_no_running_statistics()
    {
        NormSpec norm = await ParseSingleAsync("""[GroupNorm("gn", 4, Layout = "N,C=8,H=2,W=2")]""");
        Assert.Equal((NormKind.GroupNorm, 1e-5, true, true, false), (norm.Kind, norm.Epsilon, norm.HasWeight, norm.HasBias, norm.TrackRunningStats));

        NormSpec plain = await ParseSingleAsync("""[GroupNorm(groups: 8, name: "gn", Layout = "N,C=8,H=2,W=2", Affine = false)]""");
        Assert.Equal((8, false, false), (plain.Geometry.Groups, plain.HasWeight, plain.HasBias));
    }

    [Fact]
    public async Task InstanceNorm_is_neither_affine_nor_tracking_by_default_as_in_PyTorch()
    {
        NormSpec norm = await ParseSingleAsync("""[InstanceNorm("inorm", Layout = "N,C=8,H=2,W=2")]""");
        Assert.Equal((NormKind.InstanceNorm, 1e-5, false, false, false), (norm.Kind, norm.Epsilon, norm.HasWeight, norm.HasBias, norm.TrackRunningStats));

        NormSpec full = await ParseSingleAsync("""[InstanceNorm("inorm", Layout = "N,C=8,H=2,W=2", Affine = true, TrackRunningStats = true, Momentum = 0.5)]""");
        Assert.Equal((true, true, true, 0.5), (full.HasWeight, full.HasBias, full.TrackRunningStats, full.Momentum));
    }

    [Fact]
    public async Task Norms_keep_their_declaration_order_across_kinds()
    {
        ModelSpec model = await ParseAsync(
            """
            [TensorLayout("N,C=8,H=2,W=2")]
            [InstanceNorm("a")]
            [LayerNorm("b", Axes = "C")]
            [BatchNorm("c")]
            [RmsNorm("d", Axes = "W")]
            [GroupNorm("e", 2)]
            """);

        Assert.Equal(["A", "B", "C", "D", "E"], model.Norms.Select(n => n.KernelName));
        Assert.Equal(
            [NormKind.InstanceNorm, NormKind.LayerNorm, NormKind.BatchNorm, NormKind.RmsNorm, NormKind.GroupNorm],
            model.Norms.Select(n => n.Kind));
    }

    private static async Task<NormSpec> ParseSingleAsync(string attribute) =>
        Assert.Single((await ParseAsync(attribute)).Norms);

    private static async Task<ModelSpec> ParseAsync(string attributes)
    {
        CSharpCompilation compilation = await TestCompilation.CreateAsync(
            $$"""
            using NormGen;

            {{attributes}}
            public partial class Model { }
            """);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Model")!;
        var diagnostics = new List<Diagnostic>();
        ModelSpec model = ModelParser.Parse(type, diagnostics, default)!;
        Assert.Empty(diagnostics);
        return model;
    }
}
