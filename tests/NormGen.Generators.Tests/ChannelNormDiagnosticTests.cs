using System.Threading.Tasks;
using Xunit;
using static NormGen.Generators.Tests.Infrastructure.DiagnosticVerifier;

namespace NormGen.Generators.Tests;

/// <summary>
/// The rules as they apply to BatchNorm, GroupNorm and InstanceNorm, and the rules of their own
/// (NG0019 groups, NG0020 channel axis, NG0021 momentum), checked from both sides as in
/// <see cref="DiagnosticTests"/>.
/// </summary>
public sealed class ChannelNormDiagnosticTests
{
    // ------------------------------------------------------------------ NG0002

    [Fact]
    public Task NG0002_applies_to_channel_norms_too() => VerifyAsync(
        """
        using NormGen;

        [BatchNorm({|NG0002:"bn"|})]
        [GroupNorm({|NG0002:"gn"|}, 2)]
        [InstanceNorm({|NG0002:"inorm"|})]
        [GroupNorm("ownLayout", 2, Layout = "N,C=4,H=2,W=2")]
        public partial class Model { }
        """,
        emitted: ["Model.OwnLayout"]);

    // ------------------------------------------------------------------ NG0003

    [Fact]
    public Task NG0003_a_malformed_layout_on_a_channel_norm_is_reported_on_its_Layout_argument() => VerifyAsync(
        """
        using NormGen;

        [BatchNorm("bn", {|NG0003:Layout = "N,C=4,,H"|})]
        [InstanceNorm("valid", Layout = "N,C=4,L=8")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0004

    [Fact]
    public Task NG0004_the_channel_axis_must_be_in_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", {|NG0004:ChannelAxis = "F"|})]
        [GroupNorm("gn", 2, {|NG0004:ChannelAxis = "c"|})]
        [InstanceNorm("valid", ChannelAxis = "C")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0004_the_default_channel_axis_C_missing_from_the_layout_is_reported_on_the_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,F=4,L=8")]
        [BatchNorm({|NG0004:"bn"|})]
        [BatchNorm("valid", ChannelAxis = "F")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0006

    [Fact]
    public Task NG0006_a_channel_norm_needs_the_channel_count_from_Channels_or_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C,H=2,W=2")]
        [BatchNorm({|NG0006:"bn"|})]
        [GroupNorm({|NG0006:"gn"|}, 2)]
        [InstanceNorm({|NG0006:"inorm"|})]
        [BatchNorm("valid", Channels = 4)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("N,C=4,H,W=2")]   // channels-first
    [InlineData("N,H=2,W,C=4")]   // channels-last
    [InlineData("N,C=4,L")]       // one spatial axis
    public Task NG0006_a_channel_norm_needs_the_extent_of_every_axis_but_the_batch_axis(string layout) => VerifyAsync(
        $$"""
        using NormGen;

        [BatchNorm("bn", {|NG0006:Layout = "{{layout}}"|})]
        [GroupNorm("gn", 2, {|NG0006:Layout = "{{layout}}"|})]
        [InstanceNorm("inorm", {|NG0006:Layout = "{{layout}}"|})]
        [BatchNorm("valid", Layout = "N,C=4,H=2,W=2")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_is_reported_for_each_spatial_axis_and_on_the_attribute_when_the_type_gives_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,D,H,W=2")]
        [{|NG0006:{|NG0006:GroupNorm("gn", 2)|}|}]
        [GroupNorm("valid", 2, Layout = "N,C=4,D=2,H=2,W=2")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_the_batch_axis_of_a_channel_norm_needs_no_extent() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn")]
        [BatchNorm("sized", Layout = "N=8,C=4,H=2,W=2")]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Sized"]);

    // ------------------------------------------------------------------ NG0008

    [Theory]
    [InlineData("0")]     // the attribute's "not given" value, but written out it is a wrong count
    [InlineData("-4")]
    [InlineData("int.MinValue")]
    public Task NG0008_Channels_must_be_positive(string channels) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C,H=2,W=2")]
        [BatchNorm("bn", {|NG0008:Channels = {{channels}}|})]
        [GroupNorm("gn", 2, {|NG0008:Channels = {{channels}}|})]
        [InstanceNorm("inorm", Layout = "N,C=4,H=2,W=2", {|NG0008:Channels = {{channels}}|})]
        [BatchNorm("valid", Channels = 4)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0009

    [Theory]
    [InlineData("0")]
    [InlineData("-1e-5")]
    [InlineData("double.NaN")]
    [InlineData("1e-50")]
    public Task NG0009_applies_to_channel_norms_and_Half_counts_as_float(string eps) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", {|NG0009:Eps = {{eps}}|})]
        [GroupNorm("gn", 2, {|NG0009:Eps = {{eps}}|})]
        [InstanceNorm("inorm", {|NG0009:Eps = {{eps}}|}, ElementType = typeof(System.Half))]
        [LayerNorm("ln", Axes = "W", {|NG0009:Eps = {{eps}}|}, ElementType = typeof(System.Half))]
        [BatchNorm("valid", Eps = 1e-3, ElementType = typeof(System.Half))]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0009_a_double_norm_may_use_an_eps_below_floats_range() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", Eps = 1e-50, ElementType = typeof(double))]
        [GroupNorm("gn", 2, {|NG0009:Eps = 1e-50|})]
        public partial class Model { }
        """,
        emitted: ["Model.Bn"]);

    // ------------------------------------------------------------------ NG0010

    [Fact]
    public Task NG0010_names_are_shared_across_every_kind_of_norm() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("norm")]
        [GroupNorm({|NG0010:"Norm"|}, 2)]
        [InstanceNorm({|NG0010:"norm"|})]
        [LayerNorm({|NG0010:"norm"|}, Axes = "C")]
        [InstanceNorm("other")]
        public partial class Model { }
        """,
        emitted: ["Model.Norm", "Model.Other"]);

    // ------------------------------------------------------------------ NG0011

    [Fact]
    public Task NG0011_applies_to_channel_norms_too() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm({|NG0011:"bn-1"|})]
        [GroupNorm({|NG0011:""|}, 2)]
        [InstanceNorm({|NG0011:"2nd"|})]
        [GroupNorm(groups: 2, {|NG0011:name: "group norm"|})]
        [InstanceNorm("valid")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0014

    [Fact]
    public Task NG0014_applies_to_a_type_with_only_channel_norms() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [{|NG0014:BatchNorm("bn")|}]
        [GroupNorm("gn", 2)]
        public partial class Model { }
        """,
        emitted: [],
        allowUnsafe: false);

    // ------------------------------------------------------------------ NG0015

    [Fact]
    public Task NG0015_Channels_and_the_layout_must_agree_on_the_channel_count() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", {|NG0015:Channels = 8|})]
        [GroupNorm("gn", 2, {|NG0015:Channels = 2|})]
        [InstanceNorm("agreeing", Channels = 4)]
        public partial class Model { }
        """,
        emitted: ["Model.Agreeing"]);

    // ------------------------------------------------------------------ NG0016

    [Theory]
    [InlineData("N,C=65536,H=1024,W=2")]
    [InlineData("N,H=1024,W=2,C=65536")]
    [InlineData("N,C=1,H=1,W=134217728")]
    public Task NG0016_a_channel_norm_too_large_per_sample_is_reported_on_Layout(string layout) => VerifyAsync(
        $$"""
        using NormGen;

        [BatchNorm("bn", {|NG0016:Layout = "{{layout}}"|})]
        [GroupNorm("gn", 1, {|NG0016:Layout = "{{layout}}"|})]
        [InstanceNorm("inorm", {|NG0016:Layout = "{{layout}}"|})]
        [BatchNorm("valid", Layout = "N,C=64,H=1024,W=1024")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0016_with_the_layout_on_the_type_a_channel_norm_too_large_is_reported_on_the_attribute() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=65536,H=65536,W=65536")]
        [{|NG0016:BatchNorm("bn")|}]
        public partial class Model { }
        """,
        emitted: []);

    // ------------------------------------------------------------------ NG0017

    [Fact]
    public Task NG0017_applies_to_channel_norms_too() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm({|NG0017:"bn"|})]
        [GroupNorm({|NG0017:"gn"|}, 2)]
        [InstanceNorm("inorm")]
        public partial class Model
        {
            public int Bn => 0;
            public void Gn() { }
        }
        """,
        emitted: ["Model.Inorm"]);

    [Theory]
    [InlineData("forward")]
    [InlineData("forwardEval")]
    [InlineData("backward")]
    [InlineData("epsilon")]
    [InlineData("channels")]
    [InlineData("spatial")]
    [InlineData("momentsVector128")]
    public Task NG0017_the_kernel_type_name_must_not_be_one_of_the_kernels_own_members(string name) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm({|NG0017:"{{name}}"|})]
        [GroupNorm({|NG0017:"{{name}}"|}, 2)]
        [InstanceNorm({|NG0017:"{{name}}"|}, Layout = "N,H=2,W=2,C=4")]
        [InstanceNorm("valid")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0024

    [Fact]
    public Task NG0024_instance_norm_over_a_single_spatial_element_is_reported_on_the_layout_or_the_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=1,W=1")]
        [InstanceNorm({|NG0024:"inorm"|})]
        [InstanceNorm("running", {|NG0024:Layout = "N,C=4,L=1"|}, TrackRunningStats = true)]
        [InstanceNorm("flat", {|NG0024:Layout = "N,C=4"|})]
        [InstanceNorm("valid", Layout = "N,C=4,L=2")]
        [GroupNorm("groupOfOne", 4)]
        [BatchNorm("batch")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid", "Model.GroupOfOne", "Model.Batch"]);

    // ------------------------------------------------------------------ NG0019

    [Theory]
    [InlineData("3")]    // 4 channels don't split into 3 groups
    [InlineData("8")]    // more groups than channels
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("int.MinValue")]
    public Task NG0019_the_groups_must_divide_the_channels_and_are_reported_on_the_groups_argument(string groups) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [GroupNorm("gn", {|NG0019:{{groups}}|})]
        [GroupNorm({|NG0019:groups: {{groups}}|}, name: "named")]
        [GroupNorm("valid", 2)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0019_the_channel_count_may_come_from_Channels_and_the_layout_may_be_channels_last() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,H=2,W=2,C")]
        [GroupNorm("gn", {|NG0019:4|}, Channels = 6)]
        [GroupNorm("valid", 3, Channels = 6)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0019_non_positive_groups_are_reported_even_when_the_channel_count_is_unknown() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C,H=2,W=2")]
        [GroupNorm({|NG0006:"gn"|}, {|NG0019:0|})]
        [GroupNorm({|NG0006:"unknown"|}, 3)]
        public partial class Model { }
        """,
        emitted: []);

    [Theory]
    [InlineData("1")]    // one group: LayerNorm over C,H,W per sample
    [InlineData("2")]
    [InlineData("4")]    // one group per channel: InstanceNorm with per-channel affine
    public Task NG0019_every_divisor_of_the_channels_is_accepted(string groups) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [GroupNorm("gn", {{groups}})]
        public partial class Model { }
        """,
        emitted: ["Model.Gn"]);

    // ------------------------------------------------------------------ NG0020

    [Theory]
    [InlineData("N,H=2,C=4,W=2")]   // between two spatial axes
    [InlineData("C=4,N,H=2,W=2")]   // first: that is the batch axis
    [InlineData("C=4")]             // alone: no batch axis
    public Task NG0020_the_channel_axis_must_follow_the_batch_axis_or_be_last(string layout) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("{{layout}}")]
        [BatchNorm({|NG0020:"bn"|})]
        [InstanceNorm({|NG0020:"inorm"|})]
        [GroupNorm({|NG0020:"gn"|}, 2)]
        public partial class Model { }
        """,
        emitted: []);

    [Fact]
    public Task NG0020_is_reported_on_ChannelAxis_when_it_is_given() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", {|NG0020:ChannelAxis = "H"|})]
        [BatchNorm("batch", {|NG0020:ChannelAxis = "N"|})]
        [BatchNorm("last", ChannelAxis = "W")]    // legal: W, the last axis, taken as the channels
        [BatchNorm("valid")]
        public partial class Model { }
        """,
        emitted: ["Model.Last", "Model.Valid"]);

    [Fact]
    public Task NG0020_a_layout_of_batch_and_channels_alone_is_accepted() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4")]
        [BatchNorm("bn")]
        [GroupNorm("gn", 2)]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Gn"]);

    [Theory]
    [InlineData("N,C=4,L=8")]
    [InlineData("N,C=4,D=2,H=2,W=2")]
    [InlineData("N,L=8,C=4")]
    [InlineData("N,D=2,H=2,W=2,C=4")]
    public Task NG0020_channels_first_and_channels_last_layouts_of_any_rank_are_accepted(string layout) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("{{layout}}")]
        [BatchNorm("bn")]
        [GroupNorm("gn", 2)]
        [InstanceNorm("inorm")]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Gn", "Model.Inorm"]);

    // ------------------------------------------------------------------ NG0021

    [Theory]
    [InlineData("-0.1")]
    [InlineData("1.5")]
    [InlineData("1.0000001")]
    [InlineData("double.NaN")]
    [InlineData("double.PositiveInfinity")]
    [InlineData("double.NegativeInfinity")]
    public Task NG0021_momentum_must_lie_in_0_to_1(string momentum) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", {|NG0021:Momentum = {{momentum}}|})]
        [InstanceNorm("inorm", TrackRunningStats = true, {|NG0021:Momentum = {{momentum}}|})]
        [InstanceNorm("untracked", {|NG0021:Momentum = {{momentum}}|})]
        [BatchNorm("valid", Momentum = 0.01)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("0")]      // running statistics frozen
    [InlineData("1")]      // running statistics = last batch
    [InlineData("0.1")]
    public Task NG0021_the_bounds_themselves_are_accepted(string momentum) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", Momentum = {{momentum}})]
        [InstanceNorm("inorm", TrackRunningStats = true, Momentum = {{momentum}})]
        [BatchNorm("cumulative", Momentum = {{momentum}}, CumulativeAverage = true)]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Cumulative", "Model.Inorm"]);

    // ------------------------------------------------------------------ NG0022

    [Fact]
    public Task NG0022_channel_norms_have_no_fusion_options_so_asking_for_one_is_a_compiler_error() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", {|CS0246:Residual|} = true)]
        [GroupNorm("gn", 2, {|CS0246:InputBias|} = true)]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Gn"]);

    // ------------------------------------------------------------------ several rules at once

    [Fact]
    public Task Every_problem_of_one_channel_norm_is_reported_not_just_the_first() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm({|NG0011:"1st"|}, {|NG0012:ElementType = typeof(int)|}, {|NG0009:Eps = 0|}, {|NG0023:Activation = (Activation)9|}, {|NG0015:Channels = 8|}, {|NG0021:Momentum = 2|})]
        [GroupNorm("gn", {|NG0019:3|}, {|NG0009:Eps = -1|})]
        public partial class Model { }
        """,
        emitted: []);
}
