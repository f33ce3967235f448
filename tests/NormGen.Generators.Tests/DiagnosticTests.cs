using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generators.Diagnostics;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// One specification per rule NG0001..NG0023, for every kind of norm the rule applies to. Each case
/// is checked from both sides: the analyzer reports exactly the marked span (<c>{|NG0004:...|}</c>),
/// and the generator, on the same code, throws nothing, reports nothing, skips the invalid norm (or
/// type) and still emits the valid ones, with output that compiles cleanly.
/// </summary>
public sealed class DiagnosticTests
{
    // ------------------------------------------------------------------ NG0001

    [Fact]
    public Task NG0001_a_model_type_must_be_partial() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [{|NG0001:LayerNorm("ln", Axes = "D", Shape = [4])|}]
        [RmsNorm("rms", Axes = "D", Shape = [4])]
        public class NotPartial { }

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        public partial class Sibling { }
        """,
        emitted: ["Sibling.Ln"]);

    [Fact]
    public Task NG0001_every_containing_type_must_be_partial_too() => VerifyAsync(
        """
        using NormGen;

        public class Outer
        {
            [TensorLayout("B,T,D")]
            [{|NG0001:LayerNorm("ln", Axes = "D", Shape = [4])|}]
            public partial class Inner { }
        }
        """,
        emitted: []);

    // ------------------------------------------------------------------ NG0002

    [Fact]
    public Task NG0002_a_norm_needs_a_layout_from_the_type_or_its_own() => VerifyAsync(
        """
        using NormGen;

        [LayerNorm({|NG0002:"ln"|}, Axes = "D", Shape = [4])]
        [RmsNorm("ownLayout", Layout = "B,T,D", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.OwnLayout"]);

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

    [Theory]
    [InlineData("")]
    [InlineData("B,,D")]
    [InlineData("B,T,B")]
    [InlineData("B,T,1D")]
    [InlineData("B,T,D=0")]
    [InlineData("B,T,D=-4")]
    [InlineData("B,T,D=four")]
    public Task NG0003_a_malformed_layout_on_the_norm_is_reported_on_its_Layout_argument(string layout) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0003:Layout = "{{layout}}"|}, Axes = "D", Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0003_a_malformed_type_layout_is_reported_once_and_disables_the_norms_that_use_it() => VerifyAsync(
        """
        using NormGen;

        [{|NG0003:TensorLayout("B,T,,D")|}]
        [LayerNorm("first", Axes = "D", Shape = [4])]
        [RmsNorm("second", Axes = "D", Shape = [4])]
        [RmsNorm("ownLayout", Layout = "B,T,D", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.OwnLayout"]);

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
    public Task NG0004_a_normalized_axis_must_be_in_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0004:Axes = "X"|}, Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0004_axis_names_are_case_sensitive() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C,H,W")]
        [LayerNorm("ln", {|NG0004:Axes = "C,h,W"|}, Shape = [4, 4, 4])]
        [LayerNorm("valid", Axes = "C,H,W", Shape = [4, 4, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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

    // ------------------------------------------------------------------ NG0005

    [Fact]
    public Task NG0005_Axes_is_required_and_its_absence_is_reported_on_the_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0005:"ln"|}, Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("")]
    [InlineData("T,,D")]
    [InlineData("D,D")]
    [InlineData("D=4")]
    [InlineData("T D")]
    public Task NG0005_malformed_Axes_are_reported_on_the_Axes_argument(string axes) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0005:Axes = "{{axes}}"|}, Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0006

    [Fact]
    public Task NG0006_a_normalized_axis_needs_a_static_extent_from_Shape_or_the_layout() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0006:"ln"|}, Axes = "D")]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_is_reported_for_each_axis_without_an_extent() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=8,H,W")]
        [LayerNorm({|NG0006:{|NG0006:"ln"|}|}, Axes = "C,H,W")]
        [LayerNorm("valid", Axes = "C,H,W", Shape = [8, 2, 2])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_a_leading_axis_in_the_normalized_block_needs_an_extent_too() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=4,W=4")]
        [LayerNorm({|NG0006:"ln"|}, Axes = "N,C,H")]
        [LayerNorm("valid", Axes = "N,C,H", Layout = "N=2,C=4,H=4,W=4")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_the_axes_after_an_interior_block_need_extents_because_they_set_its_stride() => VerifyAsync(
        """
        using NormGen;

        [LayerNorm("ln", Axes = "C", {|NG0006:Layout = "N,C=4,H,W=4"|})]
        [RmsNorm("rms", Axes = "C", {|NG0006:{|NG0006:Layout = "N,C=4,H,W"|}|})]
        [LayerNorm("valid", Axes = "C", Layout = "N,C=4,H=4,W=4")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0006_with_the_layout_on_the_type_the_stride_axes_are_reported_on_the_attribute() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H,W=4")]
        [{|NG0006:LayerNorm("ln", Axes = "C")|}]
        [LayerNorm("valid", Axes = "W")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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

    // ------------------------------------------------------------------ NG0007

    [Fact]
    public Task NG0007_Shape_must_have_one_extent_per_normalized_axis() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C,H,W")]
        [LayerNorm("ln", Axes = "H,W", {|NG0007:Shape = [4, 4, 4]|})]
        [LayerNorm("valid", Axes = "H,W", Shape = [4, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0008

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    public Task NG0008_extents_in_Shape_must_be_positive(string extent) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "T,D", {|NG0008:Shape = [4, {{extent}}]|})]
        [LayerNorm("valid", Axes = "T,D", Shape = [4, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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
    [InlineData("double.PositiveInfinity")]
    [InlineData("1e-50")]  // positive as a double, zero once the float kernel stores it
    [InlineData("1e300")]  // finite as a double, infinite in float
    public Task NG0009_Eps_must_be_positive_and_finite_in_the_element_type(string eps) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4], {|NG0009:Eps = {{eps}}|})]
        [RmsNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0009_an_explicit_zero_Eps_on_RmsNorm_is_not_taken_as_the_default() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [RmsNorm("rms", Axes = "D", Shape = [4], {|NG0009:Eps = 0|})]
        [RmsNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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
    public Task NG0010_two_norms_of_a_type_cannot_share_a_kernel_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("norm", Axes = "D", Shape = [4])]
        [RmsNorm({|NG0010:"Norm"|}, Axes = "D", Shape = [4])]
        [RmsNorm({|NG0010:"norm"|}, Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Norm"]);

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

    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("\"1st\"")]
    [InlineData("\"pre-norm\"")]
    [InlineData("\"pre norm\"")]
    [InlineData("\"@ln\"")]
    public Task NG0011_a_norm_name_must_form_a_type_name(string name) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0011:{{name}}|}, Axes = "D", Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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

    // ------------------------------------------------------------------ NG0012

    [Theory]
    [InlineData("int")]
    [InlineData("string")]
    [InlineData("decimal")]
    [InlineData("System.Half?")]
    [InlineData("float[]")]
    [InlineData("System.Numerics.Complex")]
    public Task NG0012_the_element_type_must_be_float_double_or_Half(string type) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm("ln", Axes = "W", {|NG0012:ElementType = typeof({{type}})|})]
        [BatchNorm("bn", {|NG0012:ElementType = typeof({{type}})|})]
        [GroupNorm("gn", 2, {|NG0012:ElementType = typeof({{type}})|})]
        [LayerNorm("valid", Axes = "W", ElementType = typeof(double))]
        [RmsNorm("half", Axes = "W", ElementType = typeof(System.Half))]
        [InstanceNorm("halfInstance", ElementType = typeof(System.Half))]
        public partial class Model { }
        """,
        emitted: ["Model.Half", "Model.HalfInstance", "Model.Valid"]);

    [Fact]
    public Task NG0012_a_user_type_named_Half_is_not_System_Half() => VerifyAsync(
        """
        using NormGen;

        namespace Numerics
        {
            public struct Half { }

            [TensorLayout("B,T,D=4")]
            [LayerNorm("ln", Axes = "D", {|NG0012:ElementType = typeof(Half)|})]
            [LayerNorm("valid", Axes = "D", ElementType = typeof(System.Half))]
            public partial class Model { }
        }
        """,
        emitted: ["Model.Valid"]);

    // ------------------------------------------------------------------ NG0013

    [Theory]
    [InlineData("W,H")]      // adjacent, but not in layout order
    [InlineData("H,C")]
    [InlineData("C,W")]      // skips an axis
    [InlineData("N,H")]
    [InlineData("N,W")]
    [InlineData("W,C,H")]
    public Task NG0013_normalized_axes_must_be_adjacent_and_in_layout_order(string axes) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N=2,C=4,H=4,W=4")]
        [LayerNorm("ln", {|NG0013:Axes = "{{axes}}"|})]
        [RmsNorm("rms", {|NG0013:Axes = "{{axes}}"|})]
        [LayerNorm("valid", Axes = "H,W")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("C")]        // channels-first LayerNorm (ConvNeXt's LayerNorm2d)
    [InlineData("C,H")]
    [InlineData("H")]
    [InlineData("N,C")]
    [InlineData("N,C,H")]
    [InlineData("N,C,H,W")]
    public Task NG0013_any_block_of_adjacent_axes_is_accepted_not_just_trailing_ones(string axes) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N=2,C=4,H=4,W=4")]
        [LayerNorm("ln", Axes = "{{axes}}")]
        [RmsNorm("rms", Axes = "{{axes}}", ElementType = typeof(double))]
        public partial class Model { }
        """,
        emitted: ["Model.Ln", "Model.Rms"]);

    [Fact]
    public async Task NG0013_suggests_the_block_of_axes_that_holds_the_ones_given()
    {
        const string source = """
            using NormGen;

            [TensorLayout("N,C=4,H=4,W=4")]
            [LayerNorm("swapped", Axes = "W,H")]
            [LayerNorm("gap", Axes = "C,W")]
            public partial class Model { }
            """;

        var messages = await AnalyzerMessagesAsync(source);
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.Contains("'swapped'") && m.EndsWith("such as \"H,W\"", System.StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'gap'") && m.EndsWith("such as \"C,H,W\"", System.StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ NG0014

    [Fact]
    public Task NG0014_kernels_need_unsafe_code_and_nothing_is_emitted_without_it() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [{|NG0014:LayerNorm("ln", Axes = "D", Shape = [4])|}]
        [RmsNorm("rms", Axes = "D", Shape = [4])]
        public partial class Model { }
        """,
        emitted: [],
        allowUnsafe: false);

    [Fact]
    public Task NG0014_is_not_reported_for_a_type_whose_norms_are_all_invalid_anyway() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", {|NG0004:Axes = "X"|}, Shape = [4])]
        public partial class Model { }
        """,
        emitted: [],
        allowUnsafe: false);

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
    public Task NG0015_Shape_and_the_layout_must_agree_on_an_extent() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D=64")]
        [LayerNorm("ln", Axes = "D", {|NG0015:Shape = [32]|})]
        [LayerNorm("valid", Axes = "D", Shape = [64])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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

    [Fact]
    public Task NG0016_a_row_longer_than_the_limit_is_reported_on_Shape() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "T,D", {|NG0016:Shape = [8192, 8193]|})]
        [LayerNorm("valid", Axes = "T,D", Shape = [2, 4])]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0016_a_row_too_long_through_layout_extents_is_reported_on_the_attribute() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=65536,H=65536,W=65536")]
        [{|NG0016:LayerNorm("ln", Axes = "C,H,W")|}]
        [LayerNorm("valid", Axes = "H,W", Layout = "N,C,H=2,W=2")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0016_an_interior_block_counts_the_axes_after_it_too() => VerifyAsync(
        """
        using NormGen;

        [LayerNorm("ln", Axes = "C", {|NG0016:Layout = "N,C=4,H=8192,W=8192"|})]
        [LayerNorm("valid", Axes = "C", Layout = "N,C=4,H=4096,W=4096")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

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

    [Theory]
    [InlineData("public int Ln1 => 0;")]
    [InlineData("public void Ln1() { }")]
    [InlineData("private static readonly int Ln1 = 0;")]
    [InlineData("public class Ln1 { }")]
    [InlineData("public event System.Action? Ln1;")]
    public Task NG0017_the_kernel_type_name_must_not_be_taken_by_a_member(string member) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln1"|}, Axes = "D", Shape = [4])]
        [LayerNorm("ln2", Axes = "D", Shape = [4])]
        public partial class Model
        {
            {{member}}
        }
        """,
        emitted: ["Model.Ln2"]);

    [Fact]
    public Task NG0017_the_kernel_type_name_must_not_be_the_model_type_name() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"norm"|}, Axes = "D", Shape = [4])]
        [LayerNorm("valid", Axes = "D", Shape = [4])]
        public partial class Norm { }
        """,
        emitted: ["Norm.Valid"]);

    [Fact]
    public Task NG0017_members_in_other_partial_declarations_count() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln1"|}, Axes = "D", Shape = [4])]
        [LayerNorm("ln2", Axes = "D", Shape = [4])]
        public partial class Model { }

        public partial class Model
        {
            public float[] Ln1 { get; } = new float[4];
        }
        """,
        emitted: ["Model.Ln2"]);

    [Theory]
    [InlineData("public int Ln1;")]
    [InlineData("protected void Ln1() { }")]
    [InlineData("internal class Ln1 { }")]
    public Task NG0017_inherited_members_count_because_the_kernel_would_hide_them(string member) => VerifyAsync(
        $$"""
        using NormGen;

        public class Base
        {
            {{member}}
        }

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln1"|}, Axes = "D", Shape = [4])]
        [LayerNorm("ln2", Axes = "D", Shape = [4])]
        public partial class Model : Base { }
        """,
        emitted: ["Model.Ln2"]);

    [Fact]
    public Task NG0017_a_kernel_inherited_from_a_base_model_counts_too() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        public partial class BaseModel { }

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0017:"ln"|}, Axes = "D", Shape = [8])]
        [LayerNorm("ln2", Axes = "D", Shape = [8])]
        public partial class DerivedModel : BaseModel { }
        """,
        emitted: ["BaseModel.Ln", "DerivedModel.Ln2"]);

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

    // ------------------------------------------------------------------ NG0018

    [Fact]
    public Task NG0018_a_file_local_type_cannot_declare_norms() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [{|NG0018:LayerNorm("ln", Axes = "D", Shape = [4])|}]
        file partial class Local { }

        [TensorLayout("B,T,D")]
        [LayerNorm("ln", Axes = "D", Shape = [4])]
        partial class Sibling { }
        """,
        emitted: ["Sibling.Ln"]);

    [Fact]
    public Task NG0018_nor_can_a_type_nested_in_one() => VerifyAsync(
        """
        using NormGen;

        file partial class Local
        {
            [TensorLayout("B,T,D")]
            [{|NG0018:LayerNorm("ln", Axes = "D", Shape = [4])|}]
            public partial class Inner { }
        }
        """,
        emitted: []);

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

    [Theory]
    [InlineData("N,C=4")]
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

    [Theory]
    [InlineData("Residual")]
    [InlineData("InputBias")]
    public Task NG0022_fusions_are_not_available_on_a_channels_first_LayerNorm_or_RmsNorm(string fusion) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm("ln", Axes = "C", {|NG0022:{{fusion}} = true|})]
        [RmsNorm("rms", Axes = "C,H", {|NG0022:{{fusion}} = true|})]
        [LayerNorm("trailing", Axes = "H,W", {{fusion}} = true)]
        [RmsNorm("rmsTrailing", Axes = "C,H,W", {{fusion}} = true)]
        [LayerNorm("off", Axes = "C", {{fusion}} = false)]
        public partial class Model { }
        """,
        emitted: ["Model.Off", "Model.RmsTrailing", "Model.Trailing"]);

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

    [Fact]
    public Task NG0022_each_fusion_asked_for_is_reported() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm("ln", Axes = "C", {|NG0022:Residual = true|}, {|NG0022:InputBias = true|})]
        [LayerNorm("valid", Axes = "W", Residual = true, InputBias = true)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Fact]
    public Task NG0022_an_interior_block_followed_only_by_unit_axes_is_a_row_and_fuses() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=4,H=1,W=1")]
        [LayerNorm("ln", Axes = "C", Residual = true, InputBias = true)]
        [RmsNorm("rms", Axes = "C", Residual = true)]
        public partial class Model { }
        """,
        emitted: ["Model.Ln", "Model.Rms"]);

    // ------------------------------------------------------------------ NG0023

    [Theory]
    [InlineData("(Activation)5")]
    [InlineData("(Activation)(-1)")]
    [InlineData("(Activation)int.MaxValue")]
    [InlineData("Activation.Silu + 1")]
    public Task NG0023_the_activation_must_be_a_member_of_the_enum(string activation) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm("ln", Axes = "W", {|NG0023:Activation = {{activation}}|})]
        [RmsNorm("rms", Axes = "C", {|NG0023:Activation = {{activation}}|})]
        [BatchNorm("bn", {|NG0023:Activation = {{activation}}|})]
        [GroupNorm("gn", 2, {|NG0023:Activation = {{activation}}|})]
        [InstanceNorm("inorm", {|NG0023:Activation = {{activation}}|})]
        [BatchNorm("valid", Activation = Activation.Relu)]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("Activation.None")]
    [InlineData("Activation.Relu")]
    [InlineData("Activation.Gelu")]
    [InlineData("Activation.GeluTanh")]
    [InlineData("Activation.Silu")]
    [InlineData("(Activation)4")]
    [InlineData("default")]
    public Task NG0023_every_member_is_accepted_on_every_kind(string activation) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm("ln", Axes = "W", Activation = {{activation}})]
        [RmsNorm("rms", Axes = "C", Activation = {{activation}})]
        [BatchNorm("bn", Activation = {{activation}})]
        [GroupNorm("gn", 2, Activation = {{activation}})]
        [InstanceNorm("inorm", Activation = {{activation}})]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Gn", "Model.Inorm", "Model.Ln", "Model.Rms"]);

    // ------------------------------------------------------------------ several rules at once

    [Fact]
    public Task Every_problem_of_one_norm_is_reported_not_just_the_first() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm({|NG0011:"1st"|}, Axes = "D", Shape = [4], {|NG0012:ElementType = typeof(int)|}, {|NG0009:Eps = -1|})]
        public partial class Model { }
        """,
        emitted: []);

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

    [Fact]
    public Task Problems_of_different_norms_are_reported_independently() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D=8")]
        [LayerNorm("a", {|NG0004:Axes = "X"|})]
        [LayerNorm("b", Axes = "D", {|NG0015:Shape = [4]|})]
        [RmsNorm("c", Axes = "D", {|NG0009:Eps = 0|})]
        [RmsNorm("d", Axes = "D")]
        [LayerNorm("e", Axes = "D", Shape = [8])]
        public partial class Model { }
        """,
        emitted: ["Model.D", "Model.E"]);

    [Fact]
    public Task A_model_with_every_kind_of_norm_loses_only_its_invalid_ones() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("N,C=8,H=4,W=4")]
        [LayerNorm("ln", Axes = "C,H,W")]
        [LayerNorm("lnChannels", Axes = "C", Activation = Activation.Gelu)]
        [LayerNorm("lnBad", Axes = "C", {|NG0022:Residual = true|})]
        [RmsNorm("rms", Axes = "W", Residual = true, ElementType = typeof(System.Half))]
        [RmsNorm("rmsBad", {|NG0013:Axes = "C,W"|})]
        [BatchNorm("bn", Activation = Activation.Relu)]
        [BatchNorm("bnBad", {|NG0021:Momentum = -1|})]
        [GroupNorm("gn", 4)]
        [GroupNorm("gnBad", {|NG0019:3|})]
        [InstanceNorm("inorm", Affine = true)]
        [InstanceNorm("inormBad", {|NG0020:ChannelAxis = "H"|})]
        public partial class Model { }
        """,
        emitted: ["Model.Bn", "Model.Gn", "Model.Inorm", "Model.Ln", "Model.LnChannels", "Model.Rms"]);

    /// <summary>
    /// Runs the analyzer on <paramref name="markup"/> and the generator on the same code without
    /// the markup, and checks that the generator emitted exactly <paramref name="emitted"/>
    /// (as <c>Model.Kernel</c>; see <see cref="GeneratorRun.AssertEmitted"/>), cleanly.
    /// </summary>
    private static async Task VerifyAsync(string markup, string[] emitted, bool allowUnsafe = true)
    {
        await new NormAttributeAnalyzerTest(allowUnsafe) { TestCode = markup }.RunAsync();

        GeneratorRun run = await GeneratorRun.OfAsync(Markup.Strip(markup), allowUnsafe);
        run.AssertCleanRun();
        run.AssertEmitted(emitted);
    }

    private static async Task<List<string>> AnalyzerMessagesAsync(string source)
    {
        var compilation = await TestCompilation.CreateAsync(source);
        var diagnostics = await compilation
            .WithAnalyzers([new NormAttributeAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }
}
