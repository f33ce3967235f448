using System.Threading.Tasks;
using Xunit;
using static NormGen.Generators.Tests.Infrastructure.DiagnosticVerifier;

namespace NormGen.Generators.Tests;

/// <summary>
/// One specification per rule NG0001..NG0023, as it applies to LayerNorm and RMSNorm and to model
/// types (<see cref="ChannelNormDiagnosticTests"/> has the channel norms' cases). Each case is checked
/// from both sides: the analyzer reports exactly the marked span (<c>{|NG0004:...|}</c>), and the
/// generator, on the same code, throws nothing, reports nothing, skips the invalid norm (or type) and
/// still emits the valid ones, with output that compiles cleanly.
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

    [Theory]
    [InlineData("forward")]
    [InlineData("backward")]
    [InlineData("epsilon")]
    [InlineData("normalizedShape")]
    [InlineData("forwardRowVector256")]   // a per-width routine's name: taken in every kernel
    [InlineData("anyScalar")]
    public Task NG0017_the_kernel_type_name_must_not_be_one_of_the_kernels_own_members(string name) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm({|NG0017:"{{name}}"|}, Axes = "W")]
        [RmsNorm({|NG0017:"{{name}}"|}, Axes = "H,W")]
        [LayerNorm({|NG0017:"{{name}}"|}, Axes = "C")]
        [LayerNorm("valid", Axes = "W")]
        public partial class Model { }
        """,
        emitted: ["Model.Valid"]);

    [Theory]
    [InlineData("rowLength", "RowLength")]
    [InlineData("row", "Row")]
    public Task NG0017_the_reserved_names_depend_on_the_kernel(string name, string kernel) => VerifyAsync(
        $$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [LayerNorm({|NG0017:"{{name}}"|}, Axes = "W")]     // a member of the row kernel
        [LayerNorm("{{name}}", Axes = "C")]                // not of the column kernel
        public partial class Model { }
        """,
        emitted: ["Model." + kernel]);

    [Fact]
    public Task NG0017_the_kernel_type_name_must_not_be_a_type_parameter_of_the_model() => VerifyAsync(
        """
        using NormGen;

        [TensorLayout("B,T,D=4")]
        [LayerNorm({|NG0017:"t"|}, Axes = "D")]
        [LayerNorm("valid", Axes = "D")]
        public partial class Model<T> { }

        public partial class Outer<U>
        {
            [TensorLayout("B,T,D=4")]
            [LayerNorm("u", Axes = "D")]   // the outer type's parameter is only hidden
            public partial class Inner { }
        }
        """,
        emitted: ["Inner.U", "Model.Valid"]);

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
}
